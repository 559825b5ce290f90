// DoorsModel: the door list's state and actions — instant start from the cache, refresh, the
// stale banner with the cache's age, and one unlock result per door — for one signed-in session.
import AjarCore
import Foundation

/// The last unlock of one door.
enum UnlockState: Equatable {
    case idle
    case working
    case done(String, Tone)
    case failed(String)
}

@MainActor
final class DoorsModel: ObservableObject {
    let session: AjarSession
    /// Who is signed in where, for the title bar.
    let label: String
    /// The profile to sign out of.
    let profile: String

    @Published private(set) var doors: [Entry] = []
    /// A list is on screen (from the cache or the server).
    @Published private(set) var loaded = false
    @Published private(set) var refreshing = false
    /// The list comes from the cache: the server was not reached (yet).
    @Published private(set) var stale = false
    @Published private(set) var fetchedAt: Date?
    /// The last refresh failed; shown until the next one succeeds.
    @Published private(set) var error: String?
    /// The token is gone or refused: the app goes back to sign-in.
    @Published private(set) var signedOut = false
    /// By `acsEntranceId`.
    @Published private(set) var unlocks: [String: UnlockState] = [:]

    private var started = false
    private lazy var server = session.server()

    init(session: AjarSession, label: String, profile: String) {
        self.session = session
        self.label = label
        self.profile = profile
    }

    /// Shows the cached doors at once, then asks the server. Runs once.
    func start() async {
        guard !started else { return }
        started = true
        if let cached = try? session.cachedEntries() { show(cached) }
        await refresh()
    }

    /// Fetches the doors; offline, the core answers the cache marked stale.
    func refresh() async {
        guard !refreshing else { return }
        refreshing = true
        defer { refreshing = false }
        do {
            show(try await session.entries())
        } catch {
            let failure = userError(error)
            self.error = failure.text
            if failure.signedOut { signedOut = true }
        }
    }

    /// Unlocks a door by id; ignored while that door's previous unlock is still running.
    func unlock(_ entry: Entry) async {
        let id = entry.acsEntranceId
        guard unlocks[id] != .working else { return }
        unlocks[id] = .working
        do {
            let outcome = try await session.unlock(entry: id)
            unlocks[id] = .done(unlockText(outcome), unlockTone(outcome))
        } catch {
            let failure = userError(error)
            unlocks[id] = .failed(failure.text)
            if failure.signedOut { signedOut = true }
        }
    }

    func unlockState(of entry: Entry) -> UnlockState {
        unlocks[entry.acsEntranceId] ?? .idle
    }

    /// The banner over a stale list at `now` (the view re-asks every minute), or nil.
    func banner(at now: Date) -> String? {
        guard stale, let fetchedAt else { return nil }
        let age = Int64(now.timeIntervalSince(fetchedAt))
        return staleBannerText(ageSeconds: age, refreshing: refreshing, server: server)
    }

    private func show(_ list: EntryList) {
        doors = list.entries
        loaded = true
        stale = list.stale
        fetchedAt = parseInstant(list.fetchedAt) ?? Date().addingTimeInterval(-Double(list.ageSeconds))
        if !list.stale { error = nil }
    }
}

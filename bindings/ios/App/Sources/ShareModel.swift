// ShareModel: the Share sheet's form — which doors, the window (quick picks "Next hour" and
// "Today", or custom civil times in the site's zone), a note and a use limit — the checks that need
// no server, and the share call whose payload feeds ShareLink and the QR code.
import AjarCore
import Foundation

enum QuickPick: String, CaseIterable, Identifiable {
    case nextHour = "Next hour"
    case today = "Today"
    case custom = "Custom"

    var id: Self { self }
}

/// The form checked without the server (which decides again).
enum ShareCheck: Equatable {
    case ready(ShareRequest, summary: String)
    case invalid(String)

    var isReady: Bool {
        if case .ready = self { return true }
        return false
    }
}

private let wireFormat = "yyyy-MM-dd'T'HH:mm"

/// "Today" needs at least this long left before 23:59 at the site.
private let todayMinimumLeft: TimeInterval = 15 * 60

/// The window of a quick pick, or why there is none. `zone` is the doors' site zone.
func quickWindow(_ pick: QuickPick, zone: TimeZone, now: Date) -> Result<ShareWindow, UserError> {
    switch pick {
    case .nextHour:
        return .success(.for(seconds: 3_600))
    case .today:
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        guard let end = calendar.date(bySettingHour: 23, minute: 59, second: 0, of: now),
              end.timeIntervalSince(now) >= todayMinimumLeft
        else {
            return .failure(UserError(text: "It is nearly midnight in \(zone.identifier): pick Next hour or a custom end"))
        }
        return .success(.between(from: nil, until: civilFormatter(wireFormat, in: zone).string(from: end)))
    case .custom:
        return .failure(UserError(text: "Custom windows need their times"))
    }
}

/// A custom window from civil times typed as `2026-03-29 09:30` (or with a `T`). Refuses what the
/// core would: an unreadable time, a time skipped or repeated by a clock change, an end not after
/// the start (or not in the future when the start is now).
func customWindow(from: String, until: String, zone: TimeZone, now: Date) -> Result<ShareWindow, UserError> {
    let wire = civilFormatter(wireFormat, in: zone)
    let utc = civilFormatter(wireFormat, in: TimeZone(identifier: "UTC")!)

    func read(_ label: String, _ text: String) -> Result<(Date, String), UserError> {
        let typed = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: " ", with: "T")
        // UTC has no clock changes: it tells a well-formed time from a badly written one.
        guard let asUTC = utc.date(from: typed) else {
            return .failure(UserError(text: "\(label): write it as 2026-03-29 09:30"))
        }
        let civil = utc.string(from: asUTC)
        guard let date = wire.date(from: civil), wire.string(from: date) == civil else {
            return .failure(UserError(text: "\(label): \(civil) does not exist in \(zone.identifier) (clocks go forward)"))
        }
        if [-3_600.0, 3_600.0].contains(where: { wire.string(from: date.addingTimeInterval($0)) == civil }) {
            return .failure(UserError(text: "\(label): \(civil) happens twice in \(zone.identifier) (clocks go back): pick another time"))
        }
        return .success((date, civil))
    }

    if until.trimmingCharacters(in: .whitespaces).isEmpty {
        return .failure(UserError(text: "Set when the link ends"))
    }
    let end: (Date, String)
    switch read("End", until) {
    case .success(let value): end = value
    case .failure(let error): return .failure(error)
    }
    var start: (Date, String)?
    if !from.trimmingCharacters(in: .whitespaces).isEmpty {
        switch read("Start", from) {
        case .success(let value): start = value
        case .failure(let error): return .failure(error)
        }
    }
    guard end.0 > (start?.0 ?? now) else {
        return .failure(UserError(text: "The end must be \(start == nil ? "in the future" : "after the start")"))
    }
    return .success(.between(from: start?.1, until: end.1))
}

@MainActor
final class ShareModel: ObservableObject, Identifiable {
    let doors: [Entry]
    private let session: AjarSession

    @Published var doorIds: Set<String>
    @Published var note = ""
    @Published var pick: QuickPick = .nextHour
    /// Custom start, civil time in the site's zone; blank means now.
    @Published var from = ""
    /// Custom end.
    @Published var until = ""
    /// Blank means any number of uses.
    @Published var maxUses = ""

    @Published private(set) var busy = false
    /// The created link: URL, QR PNG, subject and text for ShareLink.
    @Published private(set) var payload: SharePayload?
    @Published private(set) var error: String?

    init(session: AjarSession, doors: [Entry], preselected: Set<String> = []) {
        self.session = session
        self.doors = doors
        self.doorIds = preselected
    }

    /// The zone of the ticked doors' site (nil before any is ticked).
    var zone: TimeZone? {
        doors.first { doorIds.contains($0.acsEntranceId) }.map { zoneOf($0.timeZone) }
    }

    func check(at now: Date = Date()) -> ShareCheck {
        let chosen = doors.filter { doorIds.contains($0.acsEntranceId) }
        guard !chosen.isEmpty else { return .invalid("Pick at least one door") }
        var zones: [String] = []
        for door in chosen where !zones.contains(door.timeZone) { zones.append(door.timeZone) }
        guard zones.count == 1 else {
            return .invalid("Share the doors of one site per link (these are in \(zones.joined(separator: " and ")))")
        }
        let zone = zoneOf(zones[0])
        let window: ShareWindow
        switch pick == .custom ? customWindow(from: from, until: until, zone: zone, now: now) : quickWindow(pick, zone: zone, now: now) {
        case .success(let value): window = value
        case .failure(let error): return .invalid(error.text)
        }
        var uses: UInt32?
        let typedUses = maxUses.trimmingCharacters(in: .whitespaces)
        if !typedUses.isEmpty {
            guard let n = UInt32(typedUses), n > 0 else {
                return .invalid("Uses: a whole number above 0, or blank for no limit")
            }
            uses = n
        }
        let request = ShareRequest(
            entries: chosen.map(\.acsEntranceId),
            description: note.trimmingCharacters(in: .whitespacesAndNewlines),
            window: window,
            maxUses: uses
        )
        let summary = [chosen.map(\.name).joined(separator: ", "), windowText(window, in: zone), usesText(uses)]
            .joined(separator: " · ")
        return .ready(request, summary: summary)
    }

    /// Creates the link; the payload lands in `payload`.
    func share() async {
        guard !busy, case .ready(let request, _) = check() else { return }
        busy = true
        error = nil
        defer { busy = false }
        do {
            payload = try await session.share(request: request)
        } catch {
            self.error = userError(error).text
        }
    }
}

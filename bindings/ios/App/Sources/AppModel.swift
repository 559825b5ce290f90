// AppModel: which screen shows — the saved profile opened at launch (offline too), sign-in
// (codes typed, pasted or arriving as a scanned `ajar:` link), sign-out — and the AjarClient over
// the app's data directory and the Keychain.
import AjarCore
import Foundation

@MainActor
final class AppModel: ObservableObject {
    enum Screen {
        case starting
        /// `back` returns to the open session when a new code arrived while signed in.
        case signIn(notice: String?, back: DoorsModel?)
        case doors(DoorsModel)
    }

    @Published private(set) var screen: Screen = .starting
    let signIn: SignInModel

    private let client: AjarClient
    private var started = false
    /// A code that arrived before the saved profile was opened.
    private var pendingCode: String?

    init() {
        // Profiles and the door cache (no secrets) live in Application Support; tokens in the Keychain.
        let support = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        let dataDir = support.appendingPathComponent("Ajar", isDirectory: true)
        try? FileManager.default.createDirectory(at: dataDir, withIntermediateDirectories: true)
        client = AjarClient(dataDir: dataDir.path, secrets: KeychainSecretStore())
        signIn = SignInModel(client: client)
        signIn.onSignedIn = { [weak self] session in self?.enter(session) }
    }

    func start() async {
        guard !started else { return }
        started = true
        let profiles = (try? client.profiles()) ?? []
        if profiles.isEmpty {
            screen = .signIn(notice: nil, back: nil)
        } else {
            do {
                enter(try await client.session(name: nil))
            } catch {
                screen = .signIn(notice: userError(error).text, back: nil)
            }
        }
        if let code = pendingCode {
            pendingCode = nil
            handle(url: URL(string: code))
        }
    }

    /// An `ajar:signin?…` link (a scanned QR): fill in the form; the user confirms.
    func handle(url: URL?) {
        guard let url, url.scheme == "ajar" else { return }
        switch screen {
        case .starting:
            pendingCode = url.absoluteString
        case .signIn:
            signIn.code = url.absoluteString
        case .doors(let doors):
            signIn.code = url.absoluteString
            screen = .signIn(notice: nil, back: doors)
        }
    }

    func cancelSignIn() {
        if case .signIn(_, let back?) = screen { screen = .doors(back) }
    }

    /// Signs out on the server (best effort) and here, then shows sign-in.
    func signOut() async {
        guard case .doors(let doors) = screen else { return }
        screen = .starting
        _ = try? await client.signOut(name: doors.profile)
        screen = .signIn(notice: nil, back: nil)
    }

    /// The core said the token is gone or refused.
    func sessionEnded(_ reason: String?) {
        guard case .doors = screen else { return }
        screen = .signIn(notice: reason ?? "Signed out: sign in again.", back: nil)
    }

    private func enter(_ session: AjarSession) {
        let profiles = (try? client.profiles()) ?? []
        let profile = profiles.first(where: \.isDefault) ?? profiles.first
        screen = .doors(DoorsModel(
            session: session,
            label: profile.map { "\($0.label) · \($0.server)" } ?? session.server(),
            profile: profile?.name ?? defaultProfile
        ))
    }
}

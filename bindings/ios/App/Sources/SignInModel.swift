// SignInModel: the sign-in form — a code pasted, typed or handed over by a scanned `ajar:` link,
// the server field needed only when the code does not name one, and the call to the core.
import AjarCore
import Foundation

/// The profile the app signs in to: one account per install, like the CLI's default.
let defaultProfile = "default"

/// What a pasted code tells before the core reads it: the server it names, if any.
struct SignInCode: Equatable {
    let server: String?
    let isCode: Bool
}

/// Reads `ajar:signin?server=…&token=…` or a bare `seam_…` token; nil when blank.
func readSignInCode(_ input: String) -> SignInCode? {
    let text = input.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !text.isEmpty else { return nil }
    let prefix = "ajar:signin?"
    guard text.hasPrefix(prefix) else { return SignInCode(server: nil, isCode: false) }
    let server = text.dropFirst(prefix.count)
        .split(separator: "&")
        .first { $0.hasPrefix("server=") }
        .flatMap { $0.dropFirst("server=".count).removingPercentEncoding }
        .flatMap { $0.isEmpty ? nil : $0 }
    return SignInCode(server: server, isCode: true)
}

@MainActor
final class SignInModel: ObservableObject {
    @Published var code = "" { didSet { error = nil } }
    @Published var server = "" { didSet { error = nil } }
    @Published private(set) var busy = false
    @Published private(set) var error: String?

    /// Called with the new session once the token is in the Keychain.
    var onSignedIn: (@MainActor (AjarSession) -> Void)?

    private let client: AjarClientProtocol

    init(client: AjarClientProtocol) {
        self.client = client
    }

    /// The server the code names, shown so the user sees where a scanned link signs in.
    var codeServer: String? { readSignInCode(code)?.server }

    /// The code names no server: the form asks for its URL.
    var needsServer: Bool { readSignInCode(code).map { $0.server == nil } ?? false }

    var canSubmit: Bool {
        !busy && !code.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            && (!needsServer || !server.trimmingCharacters(in: .whitespaces).isEmpty)
    }

    func submit() async {
        guard canSubmit else { return }
        busy = true
        defer { busy = false }
        let serverURL = needsServer ? server.trimmingCharacters(in: .whitespaces) : nil
        do {
            let session = try await client.signIn(
                name: defaultProfile,
                server: serverURL,
                tokenOrCode: code.trimmingCharacters(in: .whitespacesAndNewlines)
            )
            code = ""
            server = ""
            onSignedIn?(session)
        } catch {
            self.error = userError(error).text
        }
    }
}

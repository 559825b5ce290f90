// AjarApp: the app's entry — one AppModel, `ajar:` links (a scanned sign-in QR opens the app
// through its URL scheme) routed to it, and the root view: starting, sign-in or the doors.
import SwiftUI

@main
struct AjarApp: App {
    @StateObject private var app = AppModel()

    var body: some Scene {
        WindowGroup {
            RootView(app: app)
                .onOpenURL { app.handle(url: $0) }
                .task { await app.start() }
        }
    }
}

struct RootView: View {
    @ObservedObject var app: AppModel

    var body: some View {
        switch app.screen {
        case .starting:
            ProgressView()
        case .signIn(let notice, let back):
            SignInView(model: app.signIn, notice: notice, onCancel: back == nil ? nil : { app.cancelSignIn() })
        case .doors(let doors):
            DoorsView(
                model: doors,
                onSignOut: { Task { await app.signOut() } },
                onSessionEnded: { app.sessionEnded($0) }
            )
        }
    }
}

// SignInView: sign in with the code an admin or front desk handed over — pasted or typed, or
// scanned: the Camera app reads the sign-in QR and opens its `ajar:` link, which lands in this form
// (AppModel.handle) for the user to confirm. The server field appears only when the code names none.
import SwiftUI

struct SignInView: View {
    @ObservedObject var model: SignInModel
    let notice: String?
    let onCancel: (() -> Void)?

    var body: some View {
        NavigationStack {
            Form {
                Section {
                    TextField("ajar:signin?server=…&token=…", text: $model.code, axis: .vertical)
                        .lineLimit(2...5)
                        .textInputAutocapitalization(.never)
                        .autocorrectionDisabled()
                        .accessibilityLabel("Sign-in code")
                    if let server = model.codeServer {
                        Text("Signs in to \(server)").font(.footnote).foregroundStyle(.secondary)
                    }
                } header: {
                    Text("Sign-in code")
                } footer: {
                    Text("Paste the code you were given. To scan its QR code, point the Camera app at it and open the link: Ajar opens with the code filled in.")
                }
                if model.needsServer {
                    Section("Server") {
                        TextField("https://doors.example.com", text: $model.server)
                            .keyboardType(.URL)
                            .textInputAutocapitalization(.never)
                            .autocorrectionDisabled()
                            .accessibilityLabel("Server URL")
                    }
                }
                if let message = model.error ?? notice {
                    Section {
                        Text(message).foregroundStyle(.red)
                    }
                }
            }
            .navigationTitle("Sign in to Ajar")
            .toolbar {
                ToolbarItem(placement: .cancellationAction) {
                    if let onCancel {
                        Button("Cancel", action: onCancel)
                    }
                }
                ToolbarItem(placement: .confirmationAction) {
                    if model.busy {
                        ProgressView()
                    } else {
                        Button("Sign in") { Task { await model.submit() } }
                            .disabled(!model.canSubmit)
                    }
                }
            }
        }
    }
}

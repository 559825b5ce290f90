// ShareView: share guest access — tick the doors, pick the window (Next hour, Today, or custom
// times in the site's zone), optionally a note and a use limit; then the created link as a QR code
// with its window, and ShareLinks for the text (with subject; it ends with the URL) and the QR image.
import AjarCore
import SwiftUI
import UIKit

struct ShareView: View {
    @ObservedObject var model: ShareModel
    @Environment(\.dismiss) private var dismiss

    var body: some View {
        NavigationStack {
            Group {
                if let payload = model.payload {
                    ShareResultView(payload: payload)
                } else {
                    // "Today" and "in the future" depend on the clock: re-check every 30 s.
                    TimelineView(.periodic(from: .now, by: 30)) { context in
                        form(check: model.check(at: context.date))
                    }
                }
            }
            .navigationTitle(model.payload == nil ? "Share guest access" : "Guest link ready")
            .navigationBarTitleDisplayMode(.inline)
            .toolbar {
                ToolbarItem(placement: .cancellationAction) {
                    Button(model.payload == nil ? "Cancel" : "Done") { dismiss() }
                }
                ToolbarItem(placement: .confirmationAction) {
                    if model.payload == nil {
                        if model.busy {
                            ProgressView()
                        } else {
                            Button("Create link") { Task { await model.share() } }
                                .disabled(!model.check().isReady)
                        }
                    }
                }
            }
        }
    }

    private func form(check: ShareCheck) -> some View {
        Form {
            Section("Doors") {
                ForEach(model.doors, id: \.acsEntranceId) { door in
                    Toggle("\(door.name) · \(door.siteName)", isOn: Binding(
                        get: { model.doorIds.contains(door.acsEntranceId) },
                        set: { on in
                            if on { model.doorIds.insert(door.acsEntranceId) } else { model.doorIds.remove(door.acsEntranceId) }
                        }
                    ))
                }
            }
            Section {
                Picker("Valid", selection: $model.pick) {
                    ForEach(QuickPick.allCases) { Text($0.rawValue).tag($0) }
                }
                .pickerStyle(.segmented)
                if model.pick == .custom {
                    TextField("Starts (blank: now)", text: $model.from)
                        .keyboardType(.numbersAndPunctuation)
                    TextField("Ends", text: $model.until)
                        .keyboardType(.numbersAndPunctuation)
                }
            } header: {
                Text("Valid")
            } footer: {
                if model.pick == .custom {
                    Text("Times are the doors' local time\(model.zone.map { " (\($0.identifier))" } ?? ""), like 2026-03-29 09:30.")
                }
            }
            Section("Guest") {
                TextField("Note for the guest (optional)", text: $model.note)
                TextField("Uses (blank: no limit)", text: $model.maxUses)
                    .keyboardType(.numberPad)
            }
            Section {
                switch check {
                case .ready(_, let summary):
                    Text(model.error ?? summary)
                        .foregroundStyle(model.error == nil ? Color.secondary : Color.red)
                case .invalid(let reason):
                    Text(model.error ?? reason).foregroundStyle(.red)
                }
            }
        }
    }
}

private struct ShareResultView: View {
    let payload: SharePayload

    private var qrCode: UIImage? { UIImage(data: payload.qrPng) }

    var body: some View {
        ScrollView {
            VStack(spacing: 16) {
                if let qrCode {
                    Image(uiImage: qrCode)
                        .interpolation(.none)
                        .resizable()
                        .scaledToFit()
                        .frame(width: 240, height: 240)
                        .accessibilityLabel("QR code of the guest link")
                }
                Text(linkWindowText(payload.link)).font(.subheadline)
                Text(payload.url).font(.footnote).textSelection(.enabled)
                ShareLink(item: payload.text, subject: Text(payload.subject)) {
                    Label("Share link…", systemImage: "square.and.arrow.up")
                }
                .buttonStyle(.borderedProminent)
                if let qrCode {
                    let image = Image(uiImage: qrCode)
                    ShareLink(item: image, preview: SharePreview(payload.subject, image: image)) {
                        Label("Share QR code…", systemImage: "qrcode")
                    }
                }
                Text("Anyone with this link can open these doors during that window: send it only to your guest.")
                    .font(.footnote)
                    .foregroundStyle(.secondary)
                    .multilineTextAlignment(.center)
            }
            .padding()
        }
    }
}

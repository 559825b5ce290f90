// DoorsView: the doors the user may open, each with its Unlock button (VoiceOver label "Unlock
// ‹door›") and last result — confirmed / not confirmed / refused and why, announced to VoiceOver —
// the stale-cache banner with its age (ticking every minute), pull to refresh, Share, Sign out.
import AjarCore
import SwiftUI
import UIKit

struct DoorsView: View {
    @ObservedObject var model: DoorsModel
    let onSignOut: () -> Void
    let onSessionEnded: (String?) -> Void

    @State private var share: ShareModel?

    var body: some View {
        NavigationStack {
            List {
                if model.stale {
                    Section {
                        TimelineView(.periodic(from: .now, by: 60)) { context in
                            if let banner = model.banner(at: context.date) {
                                Label(banner, systemImage: "wifi.slash")
                                    .font(.footnote)
                            }
                        }
                    }
                }
                if let error = model.error {
                    Section {
                        Text(error).font(.footnote).foregroundStyle(.red)
                    }
                }
                Section {
                    ForEach(model.doors, id: \.acsEntranceId) { door in
                        DoorRow(
                            door: door,
                            state: model.unlockState(of: door),
                            onUnlock: { Task { await model.unlock(door) } },
                            onShare: { openShare(preselecting: door) }
                        )
                    }
                }
            }
            .overlay {
                if !model.loaded && model.refreshing {
                    ProgressView()
                } else if model.loaded && model.doors.isEmpty {
                    Text("No doors yet: ask an admin for access.").foregroundStyle(.secondary)
                }
            }
            .refreshable { await model.refresh() }
            .navigationTitle("Doors")
            .toolbar {
                ToolbarItem(placement: .navigationBarLeading) {
                    Button("Sign out", action: onSignOut)
                }
                ToolbarItem(placement: .primaryAction) {
                    Button { openShare(preselecting: nil) } label: {
                        Label("Share", systemImage: "square.and.arrow.up")
                    }
                    .disabled(model.doors.isEmpty)
                }
                ToolbarItem(placement: .status) {
                    Text(model.label).font(.caption).foregroundStyle(.secondary).lineLimit(1)
                }
            }
            .sheet(item: $share) { ShareView(model: $0) }
        }
        .task { await model.start() }
        .onChange(of: model.signedOut) { signedOut in
            if signedOut { onSessionEnded(model.error) }
        }
    }

    private func openShare(preselecting door: Entry?) {
        share = ShareModel(
            session: model.session,
            doors: model.doors,
            preselected: door.map { [$0.acsEntranceId] } ?? []
        )
    }
}

private struct DoorRow: View {
    let door: Entry
    let state: UnlockState
    let onUnlock: () -> Void
    let onShare: () -> Void

    var body: some View {
        HStack(alignment: .top, spacing: 12) {
            VStack(alignment: .leading, spacing: 4) {
                Text(door.name).font(.headline)
                Text(door.siteName).font(.caption).foregroundStyle(.secondary)
                if let status = doorStatusText(door) {
                    Text(status).font(.caption)
                }
                if let access = accessText(door) {
                    Text(access).font(.caption)
                }
                result
            }
            Spacer()
            Button(action: onUnlock) {
                if state == .working {
                    ProgressView()
                } else {
                    Text("Unlock")
                }
            }
            .buttonStyle(.borderedProminent)
            .disabled(!door.canUnlock || state == .working)
            .accessibilityLabel(unlockButtonLabel(door))
        }
        .swipeActions {
            Button("Share", action: onShare).tint(.blue)
        }
        .accessibilityAction(named: "Share access to \(door.name)", onShare)
        .onChange(of: state) { state in
            switch state {
            case .done(let text, _), .failed(let text):
                UIAccessibility.post(notification: .announcement, argument: "\(door.name): \(text)")
            case .idle, .working:
                break
            }
        }
    }

    @ViewBuilder private var result: some View {
        switch state {
        case .idle, .working:
            EmptyView()
        case .done(let text, let tone):
            Text(text).font(.subheadline).foregroundStyle(color(tone))
        case .failed(let text):
            Text(text).font(.subheadline).foregroundStyle(.red)
        }
    }

    private func color(_ tone: Tone) -> Color {
        switch tone {
        case .success: return .green
        case .warning: return .orange
        case .error: return .red
        }
    }
}

// Formatting: every sentence the app shows about doors, unlock results, errors, cache age and
// share windows — the same wording as the Android app and the CLI.
import AjarCore
import Foundation

/// How a result reads at a glance; colours are the views' business.
enum Tone { case success, warning, error }

/// A failure in words; `signedOut` sends the app back to sign-in.
struct UserError: Error, Equatable {
    let text: String
    var signedOut = false
}

// MARK: - Errors

/// The core's messages are already sentences ("cannot reach …: …"); they only need a capital.
func userError(_ error: Error) -> UserError {
    guard let ajar = error as? AjarError else {
        return UserError(text: sentence(error.localizedDescription))
    }
    switch ajar {
    case .NotSignedIn(let message):
        return UserError(text: sentence(message), signedOut: true)
    case .Refused(_, let message), .Network(let message), .NotFound(let message),
         .Unsupported(let message), .InvalidInput(let message), .Other(let message):
        return UserError(text: sentence(message))
    }
}

func sentence(_ text: String) -> String {
    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
    return trimmed.prefix(1).uppercased() + trimmed.dropFirst()
}

// MARK: - Doors and unlocks

/// The short result under a door: `Open (confirmed)`, `Not confirmed: …`, `Refused: …`.
func unlockText(_ outcome: UnlockOutcome) -> String {
    switch outcome {
    case .confirmed: return "Open (confirmed)"
    case .notConfirmed(_, let reason): return "Not confirmed: \(reason)"
    case .refused(_, _, let message): return "Refused: \(message)"
    }
}

func unlockTone(_ outcome: UnlockOutcome) -> Tone {
    switch outcome {
    case .confirmed: return .success
    case .notConfirmed: return .warning
    case .refused: return .error
    }
}

/// The VoiceOver label of a door's Unlock button.
func unlockButtonLabel(_ entry: Entry) -> String { "Unlock \(entry.name)" }

/// Why a door has no usable Unlock button, or nil when it has one.
func doorStatusText(_ entry: Entry) -> String? {
    if entry.isInLockdown { return "In lockdown" }
    if entry.accessMethodId == nil { return "You have no key for this door" }
    if !entry.canUnlockWithCloudKey { return "Cannot be opened from a phone" }
    return nil
}

/// The user's own access window at a door, e.g. `Your access: until 2026-03-29 17:00`.
func accessText(_ entry: Entry) -> String? {
    let zone = zoneOf(entry.timeZone)
    let from = entry.accessStartsAt.map { civilText($0, in: zone) }
    let until = entry.accessEndsAt.map { civilText($0, in: zone) }
    switch (from, until) {
    case let (from?, until?): return "Your access: \(span(from, until))"
    case let (nil, until?): return "Your access: until \(until)"
    case let (from?, nil): return "Your access: from \(from)"
    case (nil, nil): return nil
    }
}

// MARK: - Cache age

/// `just now`, `5 min ago`, `3 h ago`, `2 days ago` (as the CLI says it).
func ageText(seconds: Int64) -> String {
    let s = max(seconds, 0)
    switch s {
    case ..<60: return "just now"
    case ..<3_600: return "\(s / 60) min ago"
    case ..<172_800: return "\(s / 3_600) h ago"
    default: return "\(s / 86_400) days ago"
    }
}

/// The banner over a cached list: still refreshing, or the server could not be reached.
func staleBannerText(ageSeconds: Int64, refreshing: Bool, server: String) -> String {
    refreshing
        ? "Showing the doors cached \(ageText(seconds: ageSeconds)); refreshing…"
        : "Cannot reach \(server): showing the doors cached \(ageText(seconds: ageSeconds))."
}

// MARK: - Windows

/// `45 min`, `1 h`, `1 h 30 min`, `2 days`, `3 days 4 h`. Rounds up to the minute.
func durationText(seconds: Int64) -> String {
    let minutes = (max(seconds, 0) + 59) / 60
    let days = minutes / 1_440, hours = minutes % 1_440 / 60, mins = minutes % 60
    if days > 0 {
        return [days == 1 ? "1 day" : "\(days) days", hours > 0 ? "\(hours) h" : nil]
            .compactMap { $0 }.joined(separator: " ")
    }
    if hours > 0 {
        return ["\(hours) h", mins > 0 ? "\(mins) min" : nil].compactMap { $0 }.joined(separator: " ")
    }
    return "\(mins) min"
}

/// A zone by IANA name, UTC when the name is unknown here.
func zoneOf(_ name: String) -> TimeZone {
    TimeZone(identifier: name) ?? TimeZone(identifier: "UTC")!
}

/// A formatter for civil times (`2026-03-29T17:00` on the wire, `2026-03-29 17:00` on screen).
func civilFormatter(_ format: String, in zone: TimeZone) -> DateFormatter {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.calendar = Calendar(identifier: .gregorian)
    formatter.timeZone = zone
    formatter.dateFormat = format
    return formatter
}

/// An RFC 3339 instant, with or without fractional seconds.
func parseInstant(_ text: String) -> Date? {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let date = formatter.date(from: text) { return date }
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.date(from: text)
}

/// `2026-03-29 17:00`, from a civil time (`2026-03-29T17:00`, read as is) or an RFC 3339 instant
/// (shown in `zone`). Anything else is returned unchanged.
func civilText(_ time: String, in zone: TimeZone) -> String {
    let text = time.trimmingCharacters(in: .whitespaces)
    let screen = civilFormatter("yyyy-MM-dd HH:mm", in: zone)
    if let instant = parseInstant(text) { return screen.string(from: instant) }
    let wire = civilFormatter("yyyy-MM-dd'T'HH:mm", in: zone)
    if let local = wire.date(from: text.replacingOccurrences(of: " ", with: "T")) {
        return screen.string(from: local)
    }
    return text
}

/// `2026-03-29 09:00 – 17:00`, repeating the end's date only when it differs.
func span(_ from: String, _ until: String) -> String {
    let sameDay = from.count >= 16 && until.count >= 16 && from.prefix(10) == until.prefix(10)
    return "\(from) – \(sameDay ? String(until.dropFirst(11)) : until)"
}

/// A window being chosen: `for 1 h from now`, `from now until 2026-03-29 23:59 (Europe/Berlin)`.
func windowText(_ window: ShareWindow, in zone: TimeZone) -> String {
    switch window {
    case .for(let seconds):
        return "for \(durationText(seconds: seconds)) from now"
    case .between(.none, let until):
        return "from now until \(civilText(until, in: zone)) (\(zone.identifier))"
    case .between(.some(let from), let until):
        return "\(span(civilText(from, in: zone), civilText(until, in: zone))) (\(zone.identifier))"
    }
}

/// A created link's window in its site's zone: `2026-03-29 09:00 – 23:59 (Europe/Berlin)`.
func linkWindowText(_ link: GuestLinkInfo) -> String {
    let zone = zoneOf(link.timeZone)
    return "\(span(civilText(link.startsAtLocal, in: zone), civilText(link.endsAtLocal, in: zone))) (\(link.timeZone))"
}

/// `any number of times`, `once`, `3 times`.
func usesText(_ maxUses: UInt32?) -> String {
    switch maxUses {
    case nil: return "any number of times"
    case 1: return "once"
    case let n?: return "\(n) times"
    }
}

// KeychainSecretStore: the app's SecretStore (the foreign protocol the Rust core keeps tokens in),
// backed by the iOS Keychain: one generic-password item per secret under one service, readable
// after the first unlock since boot (so background refreshes work) and never synced or restored
// to another device (kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly).
import Foundation
import Security

public final class KeychainSecretStore: SecretStore {
    private let service: String
    private let accessGroup: String?

    /// - Parameters:
    ///   - service: the Keychain service the items are filed under.
    ///   - accessGroup: a shared Keychain group (app extensions), or nil for the app's own.
    public init(service: String = "dev.ajar.tokens", accessGroup: String? = nil) {
        self.service = service
        self.accessGroup = accessGroup
    }

    public func get(key: String) throws -> String? {
        var query = itemQuery(key)
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        switch status {
        case errSecSuccess:
            guard let data = item as? Data, let secret = String(data: data, encoding: .utf8) else {
                throw AjarError.Other(message: "the Keychain item \(key) is not text")
            }
            return secret
        case errSecItemNotFound:
            return nil
        default:
            throw failure(status, "read")
        }
    }

    public func set(key: String, secret: String) throws {
        let attributes: [String: Any] = [
            kSecValueData as String: Data(secret.utf8),
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
        ]
        var status = SecItemUpdate(itemQuery(key) as CFDictionary, attributes as CFDictionary)
        if status == errSecItemNotFound {
            let item = itemQuery(key).merging(attributes) { _, new in new }
            status = SecItemAdd(item as CFDictionary, nil)
        }
        guard status == errSecSuccess else { throw failure(status, "save") }
    }

    public func delete(key: String) throws {
        let status = SecItemDelete(itemQuery(key) as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else {
            throw failure(status, "delete")
        }
    }

    private func itemQuery(_ key: String) -> [String: Any] {
        var query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: key,
        ]
        if let accessGroup {
            query[kSecAttrAccessGroup as String] = accessGroup
        }
        return query
    }

    private func failure(_ status: OSStatus, _ action: String) -> AjarError {
        let reason = (SecCopyErrorMessageString(status, nil) as String?) ?? "OSStatus \(status)"
        return AjarError.Other(message: "cannot \(action) the token in the Keychain: \(reason)")
    }
}

internal import CCurl
import DepotCore
import Foundation
import Glibc

/// Server-side downloads on libcurl, synchronous. It carries out `FetchPolicy`: redirects are
/// followed by hand (each one re-checked), the address is vetoed when the socket is opened, the
/// byte cap holds for Content-Length and while streaming, and timeouts cover the whole chain.
package enum RemoteFetcher {
    /// Once per process, before threads start (curl_global_init is not thread-safe).
    package static func globalInit() {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }

    /// Fetches `url` into a temp file of `store`.
    /// - Throws: `FetchRefusal` saying why (for the log).
    package static func fetch(_ url: String, policy: FetchPolicy, store: FileStore) throws(FetchRefusal) -> FetchedBody {
        let start: URL
        switch policy.check(url: url) {
        case .success(let checked): start = checked
        case .failure(let refusal): throw refusal
        }
        var redirects = RedirectState(start: start, policy: policy)
        let deadline = monotonicSeconds() + policy.totalTimeout
        while true {
            let remaining = deadline - monotonicSeconds()
            guard remaining > 0 else { throw .timeout }
            let hop = try self.perform(redirects.current, policy: policy, store: store, timeout: remaining)
            switch hop {
            case .body(let temp, let sha):
                return FetchedBody(temp: temp, sha256: sha, finalURL: redirects.current)
            case .redirect(let location):
                switch redirects.follow(location: location) {
                case .success: continue
                case .failure(let refusal): throw refusal
                }
            }
        }
    }

    private enum Hop {
        case body(TempFile, String)
        case redirect(String?)
    }

    /// State shared with the C callbacks of one transfer.
    private final class Transfer {
        let policy: FetchPolicy
        let temp: TempFile
        var status = 0
        var location: String?
        var refusal: FetchRefusal?
        var writeFailure: SystemError?
        var isRedirect: Bool { (300..<400).contains(self.status) && self.status != 304 }

        init(policy: FetchPolicy, temp: TempFile) {
            self.policy = policy
            self.temp = temp
        }
    }

    private static func perform(_ url: URL, policy: FetchPolicy, store: FileStore, timeout: Double) throws(FetchRefusal) -> Hop {
        guard let curl = curl_easy_init() else { throw .transport("curl_easy_init failed") }
        defer { curl_easy_cleanup(curl) }
        let temp: TempFile
        do {
            temp = try store.makeTempFile()
        } catch {
            throw .transport("temp file: \(error)")
        }
        let transfer = Transfer(policy: policy, temp: temp)
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        depot_curl_set_string(curl, CURLOPT_URL, url.absoluteString)
        depot_curl_set_string(curl, CURLOPT_PROTOCOLS_STR, "http,https")
        depot_curl_set_long(curl, CURLOPT_FOLLOWLOCATION, 0)
        depot_curl_set_long(curl, CURLOPT_NOSIGNAL, 1)
        // No proxy from the environment: the address checked must be the address reached.
        depot_curl_set_string(curl, CURLOPT_PROXY, "")
        depot_curl_set_string(curl, CURLOPT_NOPROXY, "*")
        depot_curl_set_long(curl, CURLOPT_CONNECTTIMEOUT_MS, Int(policy.connectTimeout * 1000))
        depot_curl_set_long(curl, CURLOPT_TIMEOUT_MS, max(1, Int(timeout * 1000)))
        depot_curl_set_string(curl, CURLOPT_USERAGENT, "Depot/1.0 (+fetch)")
        errorBuffer.withUnsafeMutableBufferPointer { depot_curl_set_pointer(curl, CURLOPT_ERRORBUFFER, $0.baseAddress) }
        depot_curl_set_open_socket(curl) { context, purpose, address in
            let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
            guard let address, let checked = RemoteFetcher.ipAddress(address) else {
                transfer.refusal = .addressDenied("unknown family")
                return CURL_SOCKET_BAD
            }
            guard transfer.policy.allows(checked) else {
                transfer.refusal = .addressDenied(checked.description)
                return CURL_SOCKET_BAD
            }
            return socket(address.pointee.family, address.pointee.socktype, address.pointee.protocol)
        }
        depot_curl_set_pointer(curl, CURLOPT_OPENSOCKETDATA, context)
        depot_curl_set_data_callback(curl, CURLOPT_HEADERFUNCTION) { data, size, count, context in
            let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
            let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self)
            return RemoteFetcher.header(line, transfer) ? size * count : 0
        }
        depot_curl_set_pointer(curl, CURLOPT_HEADERDATA, context)
        depot_curl_set_data_callback(curl, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
            let length = size * count
            if transfer.isRedirect { return length }  // a redirect's body is ignored
            guard transfer.temp.size + Int64(length) <= transfer.policy.maxBytes else {
                transfer.refusal = .tooLarge(transfer.policy.maxBytes)
                return 0
            }
            do throws(SystemError) {
                try transfer.temp.write(UnsafeRawBufferPointer(start: data, count: length))
            } catch {
                transfer.writeFailure = error
                return 0
            }
            return length
        }
        depot_curl_set_pointer(curl, CURLOPT_WRITEDATA, context)

        let code = curl_easy_perform(curl)
        if let refusal = transfer.refusal { throw refusal }
        if let failure = transfer.writeFailure { throw .transport("storage: \(failure)") }
        guard code == CURLE_OK else {
            if code == CURLE_OPERATION_TIMEDOUT { throw .timeout }
            let message = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw .transport("curl \(code.rawValue): \(message.isEmpty ? String(cString: curl_easy_strerror(code)) : message)")
        }
        if transfer.isRedirect { return .redirect(transfer.location) }
        guard (200..<300).contains(transfer.status) else { throw .status(transfer.status) }
        do {
            return .body(temp, try temp.finish(durable: store.durable))
        } catch {
            throw .transport("storage: \(error)")
        }
    }

    /// One response header line; false aborts the transfer.
    private static func header(_ line: String, _ transfer: Transfer) -> Bool {
        if line.hasPrefix("HTTP/") {
            // A new response (after 100 Continue, say): start over.
            let parts = line.split(separator: " ")
            transfer.status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            transfer.location = nil
            return true
        }
        guard let colon = line.firstIndex(of: ":") else { return true }
        let name = line[..<colon].lowercased()
        let value = String(line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines))
        if name == "location" { transfer.location = value }
        if name == "content-length", !transfer.isRedirect, let length = Int64(value), !transfer.policy.allows(contentLength: length) {
            transfer.refusal = .tooLarge(transfer.policy.maxBytes)
            return false
        }
        return true
    }

    /// The address curl is about to connect to.
    private static func ipAddress(_ address: UnsafeMutablePointer<curl_sockaddr>) -> IPAddress? {
        let family = address.pointee.family
        return withUnsafePointer(to: &address.pointee.addr) { raw -> IPAddress? in
            if family == AF_INET {
                return raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                    .v4(UInt32(bigEndian: v4.pointee.sin_addr.s_addr))
                }
            }
            if family == AF_INET6 {
                return raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                    var bytes = [UInt8](repeating: 0, count: 16)
                    withUnsafeBytes(of: v6.pointee.sin6_addr) { bytes = Array($0) }
                    return .v6(bytes)
                }
            }
            return nil
        }
    }
}

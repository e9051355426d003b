import Foundation

/// Decides every hop of a server-side fetch; the transport only carries its decisions out.
package struct FetchPolicy: Sendable {
    package var allowPrivate = false
    /// Networks allowed even though not public (closed networks, tests).
    package var allowNetworks: [IPAddress.Network] = []
    package var maxRedirects = 5
    package var maxBytes: Int64 = 20 << 20
    package var connectTimeout: Double = 5
    package var totalTimeout: Double = 30

    package init() {}

    /// Checks a URL before it is requested: http(s) only, a host, no userinfo.
    package func check(url text: String) -> Result<URL, FetchRefusal> {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased() else { return .failure(.badURL) }
        guard scheme == "http" || scheme == "https" else { return .failure(.scheme(scheme)) }
        guard let host = url.host, !host.isEmpty else { return .failure(.badURL) }
        guard url.user == nil && url.password == nil else { return .failure(.credentialsInURL) }
        return .success(url)
    }

    /// Judges the address a connection is about to be made to (called at connect time, so DNS
    /// rebinding cannot slip a different answer past an earlier check).
    package func allows(_ address: IPAddress) -> Bool {
        self.allowPrivate || address.isPublic || self.allowNetworks.contains { $0.contains(address) }
    }

    /// Judges a declared Content-Length (the cap is inclusive).
    package func allows(contentLength: Int64) -> Bool { contentLength <= self.maxBytes }
}

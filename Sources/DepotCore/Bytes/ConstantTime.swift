/// Comparisons whose time does not depend on where the inputs differ.
package enum ConstantTime {
    /// - Returns: true when both byte sequences are equal; the time depends only on their lengths.
    package static func equals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        var difference = UInt8(lhs.count == rhs.count ? 0 : 1)
        // Walk the longer input fully so a short guess does not finish early.
        let left = Array(lhs)
        let right = Array(rhs)
        let length = max(left.count, right.count)
        for index in 0..<length {
            let a = index < left.count ? left[index] : 0
            let b = index < right.count ? right[index] : 0
            difference |= a ^ b
        }
        return difference == 0
    }
}

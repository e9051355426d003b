internal import CQRencode
import DepotCore
import Glibc

/// QR codes through libqrencode: byte mode, the smallest version that holds the data, the mask
/// with the lowest penalty. Non-ASCII text gets an ECI 26 header, so readers decode it as UTF-8.
/// (Chosen over Depot's own ISO/IEC 18004 encoder: 1.6× the codes per second, PNG included, in
/// one run; see the closing note of issue 13.)
package enum QREncoder {
    /// - Throws: `QRCode.EncodeError.tooLong` when even version 40 cannot hold the bytes.
    package static func encode(_ bytes: [UInt8], correction: QRCode.ErrorCorrection) throws(QRCode.EncodeError) -> QRCode {
        let utf8 = bytes.contains { $0 >= 0x80 }
        let maximum = correction.capacity(utf8Header: utf8)
        guard bytes.count <= maximum, let input = QRinput_new2(0, level(correction)) else { throw .tooLong(maximumBytes: maximum) }
        defer { QRinput_free(input) }
        if utf8 { guard QRinput_appendECIheader(input, 26) == 0 else { throw .tooLong(maximumBytes: maximum) } }
        let appended = bytes.withUnsafeBufferPointer { QRinput_append(input, QR_MODE_8, Int32($0.count), $0.baseAddress) }
        // NULL with ERANGE: the data does not fit any version (checked above; kept as the library's word).
        guard appended == 0, let code = QRcode_encodeInput(input) else { throw .tooLong(maximumBytes: maximum) }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        // Bit 0 of each module byte is "dark"; the rest describe what the module is for.
        let modules = UnsafeBufferPointer(start: code.pointee.data, count: width * width).map { $0 & 1 == 1 }
        return QRCode(version: Int(code.pointee.version), modules: modules)
    }

    private static func level(_ correction: QRCode.ErrorCorrection) -> QRecLevel {
        switch correction {
        case .low: QR_ECLEVEL_L
        case .medium: QR_ECLEVEL_M
        case .quartile: QR_ECLEVEL_Q
        case .high: QR_ECLEVEL_H
        }
    }
}

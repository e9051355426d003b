import Foundation

/// Runs the responder binary once as a CGI program (RFC 3875): environment in, stdin body, stdout response.
public enum CGIRun {
    public struct Outcome {
        public var exitStatus: Int32
        public var stdout: [UInt8]
        public var stderr: String
    }

    /// - Parameters:
    ///   - environment: the CGI meta-variables and `DEPOT_*` settings.
    ///   - stdin: the request body.
    ///   - arguments: command-line arguments.
    public static func run(environment: [String: String], stdin: [UInt8] = [], arguments: [String] = [], directory: String? = nil) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ResponderProcess.binaryPath)
        process.arguments = arguments
        process.environment = ["PATH": "/usr/bin:/bin"].merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Feed stdin on another thread so a large body cannot deadlock against a full stdout pipe.
        let writer = Thread {
            try? input.fileHandleForWriting.write(contentsOf: Data(stdin))
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(exitStatus: process.terminationStatus, stdout: Array(outData), stderr: String(decoding: errData, as: UTF8.self))
    }
}

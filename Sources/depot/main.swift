import DepotApp
import DepotCore
import DepotSystem
import Foundation
import Glibc

/// depot: the FastCGI responder (or, without a socket under a CGI environment, a one-shot CGI program).
struct Arguments {
    var socket: String?
    var configFile: String?
    var workers: Int?
    var sniffFiles: [String] = []
    /// `depot check`: compare the database with the storage root instead of serving.
    var check = false
    var deep = false
    var repair = false
    /// `depot seed` (a bench helper): mall, how many materials, how many of other malls.
    var seed: (mall: Int64, count: Int, others: Int)?

    static let usage = """
        usage: depot [--socket PATH | --listen HOST:PORT] [--workers N] [--config FILE]
               depot --sniff FILE...   (print the detected type and size of each file as JSON)
               depot check [--deep] [--repair] [--config FILE]
                                   compare the database with the storage root; exit 0 when consistent
               depot seed --mall M --count N [--others K] [--config FILE]
                                   (bench helper) insert N materials of mall M and K of other malls
                                   through the store, rows only; for a throwaway store
          --deep              (check) also compare each file's SHA-256 with its row
          --repair            (check) recover dead journals, move files without a row to .lost+found,
                              delete rows whose file is gone, remove dead temp files
          --socket PATH       listen on a Unix socket (mode 0660) for nginx
          --listen HOST:PORT  listen on TCP (loopback only; libfcgi trusts its peer)
          --workers N         worker threads (server.workers)
          --config FILE       configuration file read instead of conf/depot.conf
        Without a socket and with REQUEST_METHOD set, answers one request as a CGI program.
        Configuration: defaults < conf/depot.conf < $DEPOT_CONFIG < DEPOT_SECTION_KEY variables.
        """

    static func parse(_ argv: [String]) -> Result<Arguments, ConfigError> {
        var arguments = Arguments()
        var rest = argv.dropFirst()
        if rest.first == "check" {
            arguments.check = true
            rest = rest.dropFirst()
        } else if rest.first == "seed" {
            arguments.seed = (1, 0, 0)
            rest = rest.dropFirst()
        }
        var iterator = rest.makeIterator()
        while let flag = iterator.next() {
            func value() -> String? { iterator.next() }
            switch flag {
            case "--socket", "--listen":
                guard let path = value(), !path.isEmpty else { return .failure(ConfigError(message: "\(flag) needs a value")) }
                arguments.socket = path
            case "--config":
                guard let path = value() else { return .failure(ConfigError(message: "--config needs a file")) }
                arguments.configFile = path
            case "--workers":
                guard let text = value(), let count = Int(text), (1...1024).contains(count) else {
                    return .failure(ConfigError(message: "--workers needs a whole number from 1 to 1024"))
                }
                arguments.workers = count
            case "--mall" where arguments.seed != nil, "--count" where arguments.seed != nil, "--others" where arguments.seed != nil:
                guard let text = value(), let number = Int(text), number >= (flag == "--mall" ? 1 : 0) else {
                    return .failure(ConfigError(message: "\(flag) needs a whole number"))
                }
                if flag == "--mall" { arguments.seed?.mall = Int64(number) } else if flag == "--count" { arguments.seed?.count = number } else {
                    arguments.seed?.others = number
                }
            case "--deep" where arguments.check: arguments.deep = true
            case "--repair" where arguments.check: arguments.repair = true
            case "--sniff":
                // Diagnostic: print what the content sniffer makes of each file, then exit.
                while let path = iterator.next() { arguments.sniffFiles.append(path) }
            case "-h", "--help":
                print(usage)
                exit(0)
            default:
                return .failure(ConfigError(message: "unknown argument '\(flag)'\n\(usage)"))
            }
        }
        return .success(arguments)
    }
}

func fatal(_ message: String) -> Never {
    Log.error(message)
    exit(1)
}

let environment = processEnvironment()
let arguments: Arguments
switch Arguments.parse(CommandLine.arguments) {
case .success(let parsed): arguments = parsed
case .failure(let error): fatal(error.description)
}
if !arguments.sniffFiles.isEmpty {
    exit(SniffCommand.run(arguments.sniffFiles))
}

var config: Config
do {
    let (loaded, warnings) = try ConfigLoader.load(
        baseFile: arguments.configFile ?? "conf/depot.conf", baseFileRequired: arguments.configFile != nil,
        environment: environment)
    config = loaded
    for warning in warnings { Log.warn(warning) }
} catch {
    fatal(error.description)
}
if let workers = arguments.workers { config.workers = workers }

if arguments.check {
    exit(CheckCommand.run(config: config, deep: arguments.deep, repair: arguments.repair))
}
if let seed = arguments.seed {
    exit(SeedCommand.run(config: config, mall: seed.mall, count: seed.count, others: seed.others))
}

RemoteFetcher.globalInit()
let isCGI = arguments.socket == nil && environment["REQUEST_METHOD"] != nil
if isCGI {
    config.accessLog = false
    // A CGI program usually has no nginx in front to follow X-Accel-Redirect: serve bytes itself
    // unless downloads.accel was set on purpose (fcgiwrap behind nginx).
    if !config.explicitKeys.contains("downloads.accel") { config.accel = false }
}

Log.setNode(config.node)
let app: App
do {
    app = try App(config: config)
} catch {
    fatal("cannot start: \(error)")
}

if isCGI {
    // One request on stdin/stdout (RFC 3875), then exit.
    signal(SIGPIPE, SIG_IGN)
    let output = StandardOutputSink()
    app.handle(head: RequestHead(params: environment), paramsBytes: 0, body: StandardInputBody(), output: output)
    try? output.flush()
    app.storage.close()
    exit(0)
}

TerminationSignals.block()
// A few malloc arenas instead of one per worker thread, and freed pages handed back now and then:
// resident memory then stays flat under long mixed load (scripts/soak).
Memory.limitArenas(Int32(app.config.mallocArenas))
// Each file part of a request holds a descriptor until it is placed: raise the soft limit to the hard one.
var descriptorLimit = rlimit()
if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &descriptorLimit) == 0 {
    descriptorLimit.rlim_cur = descriptorLimit.rlim_max
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &descriptorLimit)
}
let listenFD: Int32
do {
    try FastCGI.initialize()
    if let socket = arguments.socket {
        listenFD = try FastCGI.openSocket(socket)
    } else if !FastCGI.stdinIsNotASocket {
        listenFD = 0  // started by a spawner (spawn-fcgi, systemd socket) with the socket on stdin
    } else {
        listenFD = try FastCGI.openSocket(config.socket)
    }
} catch {
    fatal("cannot listen: \(error)")
}

do {
    // A long-lived responder checkpoints in the background; a one-shot CGI process keeps SQLite's own.
    try app.persistence.startBackgroundWork(checkpointPages: app.config.checkpointPages)
    // Expired resumable uploads: every node sweeps; each upload is removed by one of them.
    try app.services.resumable.startSweeping(every: min(60, max(1, app.config.resumableExpiry / 4)))
    // Thumbnails of files deleted on other nodes (each node unlinks its own deletes' at once).
    try app.services.thumbnails.startSweeping(every: 5)
} catch {
    fatal("cannot start the checkpoint thread: \(error)")
}

do {
    try Memory.startTrimming(every: 10)
} catch {
    fatal("cannot start the memory trim thread: \(error)")
}

// A socket this process made is its own to drain at shutdown; an inherited one (socket activation)
// outlives it, and its backlog waits for the next process.
let ownedSocket: String? = listenFD == 0 ? nil : (arguments.socket ?? config.socket)
let pool = WorkerPool(
    listenFD: listenFD, workers: config.workers, drainOnShutdown: ownedSocket != nil, threadStarted: { app.prepareWorkerThread() }
) { slot in
    let (head, bytes) = slot.readHead()
    app.handle(head: head, paramsBytes: bytes, body: slot.makeBody(), output: slot.makeOutput())
}
do {
    try pool.start()
} catch {
    fatal("cannot start workers: \(error)")
}
Log.info("listening on \(arguments.socket ?? (listenFD == 0 ? "inherited socket" : config.socket)) with \(config.workers) workers")

let received = TerminationSignals.wait()
Log.info("signal \(received): no longer accepting; waiting up to \(config.gracePeriod)s for requests in flight")
// New connections to an owned socket fail at once from here on (nginx can try another upstream),
// instead of queueing behind a process that is leaving; those already queued are still served.
if let socket = ownedSocket, socket.contains("/") || !socket.contains(":") { unlink(socket) }
pool.beginShutdown()
let stillBusy = pool.awaitExit(grace: config.gracePeriod)
if stillBusy > 0 { Log.warn("grace period over with \(stillBusy) workers still busy; exiting") }
close(listenFD)
app.storage.close()
Log.info("stopped")
exit(0)

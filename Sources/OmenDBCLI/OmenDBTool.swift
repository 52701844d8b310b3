import ArgumentParser
import Glibc
import OmenDB

/// `omendb`: inspect, dump, load, verify and compact an OmenDB database, and run SQL on
/// it (docs/cli.md).
/// Each subcommand is one file; `--table T` (dump, load, stat) is `TableOption`.
@main
struct OmenDBTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "omendb",
        abstract: "Inspect and maintain an OmenDB database directory.",
        discussion: "Exit codes: 0 ok, 1 usage, 2 not found or invalid input, 3 corruption (database or dump), 4 I/O error, 5 busy (locked by another opener), 6 any other engine error. See docs/cli.md.",
        version: "\(OmenDBVersion.string)",
        subcommands: [Stat.self, Dump.self, Load.self, Verify.self, Compact.self, SQL.self]
    )

    /// Runs the command line: usage problems exit 1 with ArgumentParser's message,
    /// failures exit with the code `CLIExit` gives them and the message on stderr.
    static func main() {
        if CommandLine.arguments.count <= 1 {
            CLIFailure(.usage, helpMessage()).report()
            Glibc.exit(CLIExit.usage.rawValue)
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let failure as CLIFailure {
            failure.report()
            Glibc.exit(failure.code.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Glibc.exit(0)
            }
            CLIFailure(.usage, fullMessage(for: error)).report()
            Glibc.exit(CLIExit.usage.rawValue)
        }
    }
}

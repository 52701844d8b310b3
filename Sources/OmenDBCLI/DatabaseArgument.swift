import ArgumentParser

/// The database directory every subcommand takes.
struct DatabaseArgument: ParsableArguments {
    @Argument(help: "The database directory.")
    var directory: String
}

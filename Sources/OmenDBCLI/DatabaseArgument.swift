import ArgumentParser

/// The database directory every subcommand takes (where a table option will go too).
struct DatabaseArgument: ParsableArguments {
    @Argument(help: "The database directory.")
    var directory: String
}

import OmenDB

extension IsolationLevel {
    /// The SQL name: "read committed" and so on.
    var sqlName: String {
        switch self {
        case .readUncommitted: return "read uncommitted"
        case .readCommitted: return "read committed"
        case .repeatableRead: return "repeatable read"
        case .serializable: return "serializable"
        }
    }
}

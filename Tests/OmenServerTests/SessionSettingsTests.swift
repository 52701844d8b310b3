import XCTest
@testable import OmenServer

final class SessionSettingsTests: XCTestCase {
    func testDefaultsAndReportedSet() {
        let settings = SessionSettings(user: "alice")
        XCTAssertEqual(settings.value("server_version"), SessionSettings.serverVersion)
        XCTAssertEqual(settings.value("SESSION_AUTHORIZATION"), "alice")
        // Every parameter PostgreSQL 15 reports, in its spelling.
        XCTAssertEqual(Set(settings.reportAll().map(\.0)), Set(SessionSettings.reportedNames))
        XCTAssertEqual(settings.reportAll().first { $0.0 == "DateStyle" }?.1, "ISO, MDY")
    }

    func testSetResetAndReports() throws {
        let settings = SessionSettings(user: "u", startup: [("application_name", "app")])
        _ = settings.reportAll()          // what the session sends after authentication
        XCTAssertEqual(settings.value("application_name"), "app")
        try settings.set("Application_Name", "other")
        try settings.set("search_path", "pg_catalog")        // not reported
        XCTAssertEqual(settings.drainReported().map(\.0), ["application_name"])
        XCTAssertTrue(settings.drainReported().isEmpty)
        // A change undone before the next report reports nothing (PostgreSQL 15).
        try settings.set("DateStyle", "ISO, DMY")
        try settings.reset("DateStyle")
        XCTAssertTrue(settings.drainReported().isEmpty)
        try settings.reset("application_name")
        XCTAssertEqual(settings.value("application_name"), "app")   // the start-up value is the default
        try settings.set("statement_timeout", "5s")
        settings.resetAll()
        XCTAssertEqual(settings.value("statement_timeout"), "0")
    }

    func testRefusals() {
        let settings = SessionSettings(user: "u")
        XCTAssertThrowsError(try settings.set("no_such_parameter", "1")) {
            XCTAssertEqual(($0 as? PGError)?.code, SQLState.undefinedObject)
        }
        XCTAssertNoThrow(try settings.set("myapp.flag", "on"))          // custom options, as PostgreSQL
        XCTAssertEqual(settings.value("myapp.flag"), "on")
        XCTAssertThrowsError(try settings.set("server_version", "9.6")) {
            XCTAssertEqual(($0 as? PGError)?.code, SQLState.cantChangeRuntimeParameter)
        }
        XCTAssertThrowsError(try settings.set("client_encoding", "LATIN1")) {
            XCTAssertEqual(($0 as? PGError)?.code, SQLState.featureNotSupported)
        }
        XCTAssertThrowsError(try settings.set("statement_timeout", "soon")) {
            XCTAssertEqual(($0 as? PGError)?.code, SQLState.invalidParameterValue)
        }
        XCTAssertNoThrow(try settings.set("client_encoding", "utf-8"))
        XCTAssertEqual(settings.value("client_encoding"), "UTF8")
    }
}

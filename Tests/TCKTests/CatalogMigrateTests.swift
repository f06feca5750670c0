import Testing
import TCK

/// The catalog's `migrate` key: yes or no, per test, not in [defaults].
@Suite struct CatalogMigrateTests {
    let drivers: Set<String> = ["swiftvm", "qemu", "libvirt"]

    @Test func migrateIsYesOrNoAndDefaultsToNo() throws {
        let entries = try Catalog.parse(text: """
            [migrate-state]
            kernel = migrate_state
            groups = migration
            migrate = yes

            [migrate-off]
            migrate = no

            [hello]
            """, knownDrivers: drivers)
        #expect(entries.map(\.migrate) == [true, false, false])
    }

    @Test func aBadValueOrAPlaceItDoesNotBelongIsAnErrorWithTheLine() {
        #expect(throws: CatalogError(file: "catalog", line: 2, message: "bad value for 'migrate' in [t]: 'true' is not yes or no")) {
            try Catalog.parse(text: "[t]\nmigrate = true\n", knownDrivers: drivers)
        }
        #expect(throws: CatalogError(file: "catalog", line: 2,
                                     message: "key 'migrate' is not allowed in [defaults] (allowed: groups, machine, cpus, memory, timeout)")) {
            try Catalog.parse(text: "[defaults]\nmigrate = yes\n", knownDrivers: drivers)
        }
        #expect(throws: CatalogError(file: "catalog", line: 3, message: "key 'migrate' appears twice in [t] (first on line 2)")) {
            try Catalog.parse(text: "[t]\nmigrate = yes\nmigrate = no\n", knownDrivers: drivers)
        }
    }
}

/// A mall and type whose counter (the list's total) disagrees with a count of its rows.
package struct MaterialCountDrift: Sendable, Equatable {
    package var mallID: Int64
    package var type: Int64
    package var counted: Int64
    package var rows: Int64

    package init(mallID: Int64, type: Int64, counted: Int64, rows: Int64) {
        (self.mallID, self.type, self.counted, self.rows) = (mallID, type, counted, rows)
    }
}

/// A page of one mall's materials, newest first, optionally of one type.
package struct MaterialQuery: Sendable, Equatable {
    package var mallID: Int64
    /// 0 images, 2 video/audio; nil for every type.
    package var type: Int64?
    package var limit: Int64
    package var offset: Int64
    /// Keyset pagination: only ids below this one (the last id of the previous page).
    package var before: Int64?

    package init(mallID: Int64, type: Int64? = nil, limit: Int64 = 50, offset: Int64 = 0, before: Int64? = nil) {
        self.mallID = mallID
        self.type = type
        self.limit = limit
        self.offset = offset
        self.before = before
    }
}

/// One page of materials, how many match in all, and whether more follow this page.
package struct MaterialPage: Sendable, Equatable {
    package var total: Int64
    package var items: [MaterialRecord]
    package var hasMore: Bool

    package init(total: Int64, items: [MaterialRecord], hasMore: Bool = false) {
        self.total = total
        self.items = items
        self.hasMore = hasMore
    }
}

/// A page of one mall's materials, newest first, optionally of one type.
package struct MaterialQuery: Sendable, Equatable {
    package var mallID: Int64
    /// 0 images, 2 video/audio; nil for every type.
    package var type: Int64?
    package var limit: Int64
    package var offset: Int64

    package init(mallID: Int64, type: Int64? = nil, limit: Int64 = 50, offset: Int64 = 0) {
        self.mallID = mallID
        self.type = type
        self.limit = limit
        self.offset = offset
    }
}

/// One page of materials and how many match in all.
package struct MaterialPage: Sendable, Equatable {
    package var total: Int64
    package var items: [MaterialRecord]
}

import DepotCore
import Testing

/// The PATCH rules against an upload's state, without I/O.
@Suite struct TusUploadStateTests {
    private func patch(_ offset: Int64, length: Int64? = nil) -> TusHeaders.Patch {
        TusHeaders.Patch(offset: offset, length: length, checksum: nil)
    }

    private func status(_ state: TusUploadState, _ patch: TusHeaders.Patch, maximum: Int64 = 1000) -> Int {
        do {
            _ = try state.admit(patch, maximum: maximum)
            return 204
        } catch {
            return error.status
        }
    }

    @Test func theOffsetMustBeTheUploadsOffset() throws {
        let state = TusUploadState(length: 100, offset: 40)
        #expect(try state.admit(patch(40), maximum: 1000) == .init(length: 100, room: 60))
        #expect(status(state, patch(0)) == 409)
        #expect(status(state, patch(41)) == 409)
        #expect(status(state, patch(100)) == 409)
    }

    @Test func aDeferredLengthIsDeclaredOnceAndNeverBelowTheOffsetOrOverTheMaximum() throws {
        let deferred = TusUploadState(length: nil, offset: 30)
        #expect(try deferred.admit(patch(30), maximum: 1000) == .init(length: nil, room: 970))
        #expect(try deferred.admit(patch(30, length: 50), maximum: 1000) == .init(length: 50, room: 20))
        #expect(status(deferred, patch(30, length: 29)) == 400)
        #expect(status(deferred, patch(30, length: 1001)) == 413)
        let declared = deferred.advanced(by: 5, length: 50)
        #expect(declared.offset == 35 && declared.length == 50 && declared.deferred)
        #expect(status(declared, patch(35, length: 50)) == 400)  // set twice, even to the same value
        #expect(status(declared, patch(35)) == 204)
    }

    @Test func aLengthGivenAtCreationMayBeRepeatedNeverChanged() {
        let state = TusUploadState(length: 100)
        #expect(status(state, patch(0, length: 100)) == 204)
        #expect(status(state, patch(0, length: 99)) == 400)
    }

    @Test func aCompleteUploadHasNoRoomAndAFinalOneTakesNoPatch() throws {
        let complete = TusUploadState(length: 10, offset: 10)
        #expect(complete.isComplete)
        #expect(try complete.admit(patch(10), maximum: 1000).room == 0)
        #expect(TusUploadState(length: 0).isComplete)
        #expect(!TusUploadState(length: nil).isComplete)
        #expect(status(TusUploadState(length: 20, kind: .final(["/api/tus/a/1"])), patch(0)) == 403)
        #expect(try TusUploadState(length: 5, kind: .partial).admit(patch(0), maximum: 1000).room == 5)
    }
}

/// libjpeg's interblock smoothing of progressive files (`jdcoefct.c`, `decompress_smooth_data`), so that a
/// file whose scans stop before its first AC coefficients are complete decodes like libjpeg (Pillow).
///
/// When a component's zigzag coefficients 1...9 are not all known to full precision (a band never sent,
/// or last sent with `Al > 0`), libjpeg estimates each such coefficient that is still zero from the DC
/// values of the block and its 24 neighbours (a 5×5 window), and clamps the estimate below `1 << Al`. When
/// none of them was sent at all, it also replaces the DC value by a smoothed one. A complete file (every
/// coefficient refined to `Al = 0`) is never smoothed.
extension JPEGProgressive {
    /// Natural-order positions of zigzag coefficients 1...9 (libjpeg's Q01, Q10, Q20, Q11, Q02, Q03, Q12,
    /// Q21, Q30).
    static let smoothedPositions = [1, 8, 16, 9, 2, 3, 10, 17, 24]

    /// The 5×5 DC weights (rows: two block rows above ... two below; columns likewise, left to right) of
    /// the estimates of zigzag coefficients 1...9 when no AC coefficient of the component was sent.
    static let interpolatingKernels: [[Int]] = [
        [-1, -1, 0, 1, 1, -3, 13, 0, -13, 3, -3, 38, 0, -38, 3, -3, 13, 0, -13, 3, -1, -1, 0, 1, 1],
        [-1, -3, -3, -3, -1, -1, 13, 38, 13, -1, 0, 0, 0, 0, 0, 1, -13, -38, -13, 1, 1, 3, 3, 3, 1],
        [0, 0, 1, 0, 0, 0, 2, 7, 2, 0, 0, -5, -14, -5, 0, 0, 2, 7, 2, 0, 0, 0, 1, 0, 0],
        [-1, 0, 0, 0, 1, 0, 9, 0, -9, 0, 0, 0, 0, 0, 0, 0, -9, 0, 9, 0, 1, 0, 0, 0, -1],
        [0, 0, 0, 0, 0, 0, 2, -5, 2, 0, 1, 7, -14, 7, 1, 0, 2, -5, 2, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 1, 0, -1, 0, 0, 2, 0, -2, 0, 0, 1, 0, -1, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 1, -3, 1, 0, 0, 0, 0, 0, 0, 0, -1, 3, -1, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 1, 0, -1, 0, 0, -3, 0, 3, 0, 0, 1, 0, -1, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 1, 2, 1, 0, 0, 0, 0, 0, 0, 0, -1, -2, -1, 0, 0, 0, 0, 0, 0],
    ]

    /// The weights of the estimates of zigzag coefficients 1...5 once some AC coefficient was sent (T.81
    /// K.8 on a 5×5 window); coefficients 6...9 are then left alone.
    static let predictingKernels: [[Int]] = [
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -7, 50, 0, -50, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        [0, 0, -7, 0, 0, 0, 0, 50, 0, 0, 0, 0, 0, 0, 0, 0, 0, -50, 0, 0, 0, 0, 7, 0, 0],
        [0, 0, -1, 0, 0, 0, 0, 13, 0, 0, 0, 0, -24, 0, 0, 0, 0, 13, 0, 0, 0, 0, -1, 0, 0],
        [0, -1, 0, 1, 0, -1, 10, 0, -10, 1, 0, 0, 0, 0, 0, 1, -10, 0, 10, -1, 0, 1, 0, -1, 0],
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, 13, -24, 13, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    ]

    /// The smoothed DC value's weights (they sum to 256), used when no AC coefficient was sent.
    static let dcKernel = [
        -2, -6, -8, -6, -2, -6, 6, 42, 6, -6, -8, 42, 152, 42, -8, -6, 6, 42, 6, -6, -2, -6, -8, -6, -2,
    ]

    /// Whether libjpeg smooths this frame (`smoothing_ok`): every component has its DC coefficient and
    /// non-zero quantization values at DC and the nine smoothed positions, and some component has one of
    /// zigzag coefficients 1...9 not sent to full precision.
    var smoothingApplies: Bool {
        var useful = false
        for index in grids.indices {
            let table = quant + 64 * index
            if table[0] == 0 || Self.smoothedPositions.contains(where: { table[$0] == 0 }) { return false }
            if sentBits[64 * index] < 0 { return false }
            if (1...9).contains(where: { sentBits[64 * index + $0] != 0 }) { useful = true }
        }
        return useful
    }

    /// libjpeg's rounded estimate `num / (256 q)` (toward zero, half away), clamped below `1 << al` when
    /// the coefficient's low `al` bits are the unknown ones.
    @inline(__always)
    static func estimate(_ num: Int, q: Int, al: Int, clamp: Bool = true) -> Int16 {
        var magnitude = Int32(truncatingIfNeeded: ((q << 7) + (num >= 0 ? num : -num)) / (q << 8))
        if clamp && al > 0 && magnitude >= Int32(1) << Int32(al) { magnitude = (Int32(1) << Int32(al)) - 1 }
        return Int16(truncatingIfNeeded: num >= 0 ? magnitude : 0 &- magnitude)
    }

    /// Writes component `index`'s samples into `plane` (row stride `stride`) with block smoothing, visiting
    /// the blocks that hold samples in libjpeg's order and with its choice of neighbours at the edges
    /// (rows: per MCU row, counted as libjpeg counts them; columns: the edge block repeated).
    func reconstructSmoothed(_ index: Int, into plane: UnsafeMutablePointer<UInt8>, stride: Int) {
        let grid = grids[index]
        let bits = (0..<10).map { Int(sentBits[64 * index + $0]) }
        let interpolate = (1...9).allSatisfy { bits[$0] == -1 }
        let table = quant + 64 * index
        let q00 = Int(table[0])
        let workspace = UnsafeMutablePointer<Int16>.allocate(capacity: 64)
        defer { workspace.deallocate() }
        var dc = [Int](repeating: 0, count: 25)  // the 5×5 window, row-major
        let lastColumn = grid.usedWide - 1
        let highest = grid.blocksHigh - 1
        @inline(__always) func block(_ row: Int, _ column: Int) -> UnsafeMutablePointer<Int16> {
            coefficients + grid.offset + 64 * (row * grid.blocksWide + column)
        }
        for mcuRow in 0..<mcusY {
            var blockRows = grid.v
            if mcuRow == mcusY - 1 && grid.usedHigh % grid.v != 0 { blockRows = grid.usedHigh % grid.v }
            let imageBlockRows = blockRows * mcusY
            for blockRow in 0..<blockRows {
                let row = mcuRow * grid.v + blockRow
                // libjpeg's test of the image edges uses this count (a quirk in the last MCU row).
                let imageRow = mcuRow * blockRows + blockRow
                let above = imageRow > 0 ? row - 1 : row
                let above2 = imageRow > 1 ? row - 2 : above
                let below = imageRow < imageBlockRows - 1 ? row + 1 : row
                let below2 = imageRow < imageBlockRows - 2 ? row + 2 : below
                // In the buffer whatever the counts (whole MCUs are allocated); clamped all the same.
                let rows = [above2, above, row, below, below2].map { min(max($0, 0), highest) }
                for r in 0..<5 {
                    let value = Int(block(rows[r], 0)[0])
                    for c in 0..<5 { dc[5 * r + c] = value }
                }
                for column in 0...lastColumn {
                    workspace.update(from: block(row, column), count: 64)
                    if column == 0 && column < lastColumn {
                        for r in 0..<5 {
                            let value = Int(block(rows[r], 1)[0])
                            dc[5 * r + 3] = value
                            dc[5 * r + 4] = value
                        }
                    }
                    if column + 1 < lastColumn {
                        for r in 0..<5 { dc[5 * r + 4] = Int(block(rows[r], column + 2)[0]) }
                    }
                    let count = interpolate ? 9 : 5
                    for k in 0..<count {
                        let position = Self.smoothedPositions[k]
                        let al = bits[k + 1]
                        guard al != 0, workspace[position] == 0 else { continue }
                        let kernel = interpolate ? Self.interpolatingKernels[k] : Self.predictingKernels[k]
                        var sum = 0
                        for i in 0..<25 { sum += kernel[i] * dc[i] }
                        workspace[position] = Self.estimate(q00 * sum, q: Int(table[position]), al: al)
                    }
                    if interpolate {
                        var sum = 0
                        for i in 0..<25 { sum += Self.dcKernel[i] * dc[i] }
                        workspace[0] = Self.estimate(q00 * sum, q: q00, al: 0, clamp: false)
                    }
                    transform(workspace, component: index, out: plane + 8 * row * stride + 8 * column, stride: stride)
                    for r in 0..<5 {
                        for c in 0..<4 { dc[5 * r + c] = dc[5 * r + c + 1] }
                    }
                }
            }
        }
    }
}

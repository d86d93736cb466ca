/// How a pass spreads one phase of its work: `parts` contiguous pieces, each on its own thread of a
/// team (no team: inline). Pieces are fixed by `parts` alone, so results never depend on timing.
struct Spread: Sendable {
    let team: ThreadTeam?

    static let inline = Spread(team: nil)

    var parts: Int { team?.size ?? 1 }

    /// `body` does not escape: the team's run returns when every piece is done, so the closure (formed once
    /// per step in the hot loops) needs no heap context.
    func run(_ n: Int, _ body: @Sendable (Range<Int>) -> Void) {
        guard let team, n > 1 else {
            if n > 0 { body(0..<n) }
            return
        }
        let p = min(team.size, n)
        withoutActuallyEscaping(body) { body in
            team.run { k in
                if k < p { body((k * n / p)..<((k + 1) * n / p)) }
            }
        }
    }
}

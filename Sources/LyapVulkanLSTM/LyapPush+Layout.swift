import CLyapShared
import LyapCore
import LyapVulkan

extension LyapPush {
    /// The push block with the model's sizes and tensor offsets (ParameterLayout) filled in; the one
    /// place the Swift layout is mapped onto what the kernels index with.
    init(layout: ParameterLayout) {
        self.init()
        let s = layout.shape
        E = UInt32(s.embed)
        H = UInt32(s.hidden)
        V = UInt32(s.vocab)
        P = UInt32(layout.count)
        offEmb = UInt32(layout.embedding.offset)
        offWx = UInt32(layout.wx.offset)
        offWh = UInt32(layout.wh.offset)
        offB = UInt32(layout.bias.offset)
        offWd = UInt32(layout.wd.offset)
        offBd = UInt32(layout.bd.offset)
        offBH = UInt32(layout.biasHH?.offset ?? 0)
    }
}

extension HistoryView {
    /// The answer written by hand (`JSONText`): the JSON `JSONResponse` writes for this view (keys sorted, `step_s`
    /// null at raw resolution), without `JSONEncoder`'s cost per point, which was most of the gateway's share of a
    /// 720-point chart answer.
    var json: String {
        var out = #"{"from_ms":\#(fromMs),"labels":{"#
        out.reserveCapacity(256 + points.count * 96)
        for (index, name) in labels.keys.sorted().enumerated() {
            if index > 0 { out.append(",") }
            JSONText.appendString(name, to: &out)
            out.append(":")
            JSONText.appendString(labels[name] ?? "", to: &out)
        }
        out.append(#"},"machine_id":"#)
        JSONText.appendString(machineID, to: &out)
        out.append(#","metric":"#)
        JSONText.appendString(metric, to: &out)
        out.append(#","points":["#)
        for (index, point) in points.enumerated() {
            out.append(index > 0 ? #",{"avg":"# : #"{"avg":"#)
            JSONText.appendNumber(point.avg, to: &out)
            out.append(#","count":"#)
            out.append(String(point.count))
            out.append(#","max":"#)
            JSONText.appendNumber(point.max, to: &out)
            out.append(#","min":"#)
            JSONText.appendNumber(point.min, to: &out)
            out.append(#","t":"#)
            out.append(String(point.t))
            out.append("}")
        }
        out.append(#"],"resolution":"#)
        JSONText.appendString(resolution, to: &out)
        out.append(#","step_s":"#)
        out.append(stepSeconds.map { "\($0)" } ?? "null")
        out.append(#","to_ms":\#(toMs)}"#)
        return out
    }
}

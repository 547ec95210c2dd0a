/// RabbitMQ definitions (the format of the management UI's "Import definitions") for a topology,
/// so broker/definitions.json is generated from the same data every service declares at start.
extension Topology {
    public func rabbitMQDefinitions(vhost: String = "/") -> String {
        func quote(_ s: String) -> String {
            var out = "\""
            for ch in s.unicodeScalars {
                switch ch {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                default: out.unicodeScalars.append(ch)
                }
            }
            return out + "\""
        }
        func argument(_ value: Argument) -> String {
            switch value {
            case .string(let s): quote(s)
            case .int(let i): String(i)
            case .bool(let b): b ? "true" : "false"
            }
        }
        func arguments(_ args: [String: Argument]) -> String {
            "{" + args.sorted { $0.key < $1.key }.map { "\(quote($0.key)): \(argument($0.value))" }.joined(separator: ", ") + "}"
        }
        let exchanges = self.exchanges.map {
            "    {\"name\": \(quote($0.name)), \"vhost\": \(quote(vhost)), \"type\": \(quote($0.kind.rawValue)), "
                + "\"durable\": \($0.durable), \"auto_delete\": false, \"internal\": false, \"arguments\": {}}"
        }
        let queues = self.queues.filter { $0.durable && !$0.exclusive }.map {
            "    {\"name\": \(quote($0.name)), \"vhost\": \(quote(vhost)), \"durable\": true, "
                + "\"auto_delete\": \($0.autoDelete), \"arguments\": \(arguments($0.arguments))}"
        }
        let bindings = self.bindings.map {
            "    {\"source\": \(quote($0.exchange)), \"vhost\": \(quote(vhost)), \"destination\": \(quote($0.queue)), "
                + "\"destination_type\": \"\($0.toExchange ? "exchange" : "queue")\", \"routing_key\": \(quote($0.routingKey)), \"arguments\": {}}"
        }
        return """
            {
              "vhosts": [{"name": \(quote(vhost))}],
              "exchanges": [
            \(exchanges.joined(separator: ",\n"))
              ],
              "queues": [
            \(queues.joined(separator: ",\n"))
              ],
              "bindings": [
            \(bindings.joined(separator: ",\n"))
              ]
            }

            """
    }
}

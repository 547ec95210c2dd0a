import FleetBus

// Message helpers of the in-process bus tests (FleetAMQPTests has the same beside its TestBroker).

func message(_ queue: String, _ text: String, headers: [String: String] = [:]) -> OutgoingMessage {
    OutgoingMessage(
        exchange: "", routingKey: queue, body: Array(text.utf8), type: "fleetwatch.test.Text", headers: headers)
}

func text(_ delivery: Delivery) -> String { String(decoding: delivery.body, as: UTF8.self) }

import Foundation
import Metrics
import Prometheus

/// The server's counters and histograms, kept in its own Prometheus registry (swift-metrics
/// types on a `PrometheusMetricsFactory`) and served at `GET /metrics`.
///
/// - `heed_requests_total{route,status}`: answered requests.
/// - `heed_request_duration_seconds{route}`: latency histogram, from the request's arrival to its answer.
/// - `heed_batch_texts{model}`: texts per forward pass.
/// - `heed_queue_texts{model}`: texts waiting for a forward pass.
/// - `heed_texts_total{model}`: texts classified.
final class ServerMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(500),
            .seconds(1), .seconds(2), .seconds(5), .seconds(10),
        ]
        factory.defaultValueHistogramBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
        self.factory = factory
    }

    /// Counts one answered request and records its latency.
    func recordRequest(route: String, status: Int, seconds: Double) {
        Counter(label: "heed_requests_total", dimensions: [("route", route), ("status", String(status))],
                factory: factory).increment()
        Metrics.Timer(label: "heed_request_duration_seconds", dimensions: [("route", route)], factory: factory)
            .recordNanoseconds(Int64((seconds * 1e9).rounded()))
    }

    /// Records one forward pass of `texts` texts.
    func recordBatch(model: String, texts: Int) {
        Recorder(label: "heed_batch_texts", dimensions: [("model", model)], aggregate: true, factory: factory)
            .record(texts)
        Counter(label: "heed_texts_total", dimensions: [("model", model)], factory: factory).increment(by: texts)
    }

    /// Records the number of texts waiting for `model`.
    func recordQueueDepth(model: String, texts: Int) {
        Gauge(label: "heed_queue_texts", dimensions: [("model", model)], factory: factory).record(texts)
    }

    /// Every metric in Prometheus' text format.
    func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}

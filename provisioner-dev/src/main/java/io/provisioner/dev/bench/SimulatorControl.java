package io.provisioner.dev.bench;

import io.provisioner.simulator.SimCall;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The OpenRouter double as the scenarios use it, wherever it runs: in the bench's JVM ({@code --one-jvm})
 * or a process of its own ({@code simulator --control}, as deployed).
 */
interface SimulatorControl extends AutoCloseable {

    /** The API base the pipeline is pointed at. */
    String baseUrl();

    String managementKey();

    /** Forgets keys and recorded calls; no latency, no rate limit. */
    void reset() throws Exception;

    void setLatency(Duration latency) throws Exception;

    /** The server allows {@code perSecond} calls a second, answering 429 beyond; 0: unlimited. */
    void allowRate(double perSecond) throws Exception;

    /** Every call answered since the last reset, with its status and arrival time, in answering order. */
    List<SimCall> calls() throws Exception;

    /** Where it runs, for {@code about}. */
    String describe();

    @Override
    void close();

    /** Arrival times of every {@code POST /keys} in {@code calls}, ascending. */
    static List<Instant> creates(List<SimCall> calls) {
        return calls.stream()
                .filter(c -> c.method().equals("POST") && c.path().endsWith("/keys"))
                .map(SimCall::at)
                .sorted()
                .toList();
    }
}

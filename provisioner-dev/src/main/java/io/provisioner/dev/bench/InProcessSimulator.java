package io.provisioner.dev.bench;

import io.provisioner.simulator.OpenRouterSimulator;
import io.provisioner.simulator.SimCall;
import java.time.Duration;
import java.util.List;

/** The simulator in the bench's JVM ({@code --one-jvm}). */
final class InProcessSimulator implements SimulatorControl {
    private final OpenRouterSimulator simulator;
    private final boolean owned;

    /** @param owned whether {@link #close()} stops it (not when the embedded environment owns it) */
    InProcessSimulator(OpenRouterSimulator simulator, boolean owned) {
        this.simulator = simulator;
        this.owned = owned;
    }

    @Override
    public String baseUrl() {
        return simulator.baseUrl();
    }

    @Override
    public String managementKey() {
        return simulator.managementKey();
    }

    @Override
    public void reset() {
        simulator.reset();
    }

    @Override
    public void setLatency(Duration latency) {
        simulator.setLatency(latency);
    }

    @Override
    public void allowRate(double perSecond) {
        simulator.allowRate(perSecond);
    }

    @Override
    public List<SimCall> calls() {
        return simulator.calls();
    }

    @Override
    public String describe() {
        return "in-process (this JVM), 20 ms per answer unless stated";
    }

    @Override
    public void close() {
        if (owned) {
            simulator.close();
        }
    }
}

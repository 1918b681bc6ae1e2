package io.provisioner.simulator;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Tests that each get a fresh simulator on an ephemeral port, and an HTTP client for it. */
abstract class OnFreshSimulator {
    OpenRouterSimulator simulator;
    SimHttp http;

    @BeforeEach
    final void startSimulator() {
        simulator = OpenRouterSimulator.start();
        http = new SimHttp(simulator);
    }

    @AfterEach
    final void stopSimulator() {
        simulator.close();
    }
}

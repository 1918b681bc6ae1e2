package io.provisioner.runtime.connect;

import java.util.List;

/**
 * The state of the CDC connector on Kafka Connect, from {@code GET /connectors/{name}/status}.
 *
 * @param state Connect's connector state ({@code RUNNING}, {@code PAUSED}, {@code STOPPED}, {@code FAILED},
 *     {@code UNASSIGNED}, {@code RESTARTING}), or {@code MISSING} when Connect does not know the connector,
 *     or {@code UNREACHABLE} when Connect did not answer
 * @param detail the worker running it, or why it is not running
 */
public record ConnectorStatus(String connector, String state, String detail, List<Task> tasks) {

    /** The connector states a gauge is kept for, ours included. */
    public static final List<String> STATES =
            List.of("RUNNING", "PAUSED", "STOPPED", "FAILED", "UNASSIGNED", "RESTARTING", "MISSING", "UNREACHABLE");
    /** The task states a gauge is kept for. */
    public static final List<String> TASK_STATES = List.of("RUNNING", "PAUSED", "FAILED", "UNASSIGNED", "RESTARTING");

    /** One task: its id, state, worker, and the first line of its trace when it failed. */
    public record Task(int id, String state, String workerId, String error) {}

    public ConnectorStatus {
        tasks = List.copyOf(tasks);
    }

    /** Streaming: the connector and every one of its tasks (at least one) run. */
    public boolean healthy() {
        return "RUNNING".equals(state) && !tasks.isEmpty() && tasks.stream().allMatch(t -> "RUNNING".equals(t.state()));
    }

    /** One line for {@code /health}, {@code status} and {@code lag}. */
    public String summary() {
        StringBuilder s =
                new StringBuilder("connector ").append(connector).append(' ').append(state);
        if (detail != null && !detail.isEmpty()) {
            s.append(" (").append(detail).append(')');
        }
        for (Task t : tasks) {
            s.append(", task ").append(t.id()).append(' ').append(t.state());
            if (t.workerId() != null) {
                s.append(" on ").append(t.workerId());
            }
            if (t.error() != null) {
                s.append(": ").append(t.error());
            }
        }
        if ("RUNNING".equals(state) && tasks.isEmpty()) {
            s.append(", no task");
        }
        return s.toString();
    }
}

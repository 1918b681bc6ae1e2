package io.provisioner.dev.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/** Where and when the figures were taken: cores, memory, load, JVM, servers. */
final class Machine {
    private Machine() {}

    /**
     * @param mode how the pipeline ran: as deployed or in one JVM
     * @param servers where PostgreSQL and Kafka ran
     * @param simulator where the OpenRouter double ran
     * @param componentJvm the JVM options of the component processes, or null in one JVM
     */
    static Map<String, String> describe(
            boolean quick, String mode, String servers, String simulator, String componentJvm) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        out.put("mode", mode);
        out.put("size", quick ? "quick (tiny sizes, figures not meaningful)" : "full");
        out.put("cpus", Integer.toString(Runtime.getRuntime().availableProcessors()));
        out.put(
                "load average",
                String.format(
                        java.util.Locale.ROOT,
                        "%.1f",
                        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        out.put("memory", memTotal());
        out.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        out.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        out.put("bench JVM max heap", Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB");
        if (componentJvm != null) {
            out.put("component JVM options", componentJvm);
        }
        out.put("servers", servers);
        out.put("simulator", simulator);
        return out;
    }

    private static String memTotal() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream()
                    .filter(l -> l.startsWith("MemTotal:"))
                    .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024 + " MiB")
                    .findFirst()
                    .orElse("unknown");
        } catch (Exception e) {
            return "unknown";
        }
    }
}

package io.provisioner.cli;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Renames the meters whose names {@code promtool check metrics} objects to, all of them Kafka client and
 * JVM meters named by their libraries: abbreviated units ({@code io.time.ns.total} becomes {@code
 * io.time.nanoseconds.total}, a base unit {@code ns} becomes {@code nanoseconds}), a {@code count} suffix
 * on a gauge ({@code connection.count} becomes {@code connection.number}), and a missing description.
 * Values are unchanged. Add it to the registry before any meter is registered.
 */
final class PromtoolFriendlyNames implements MeterFilter {

    private static final Map<String, String> UNITS =
            Map.of("ns", "nanoseconds", "us", "microseconds", "ms", "milliseconds");

    @Override
    public Meter.Id map(Meter.Id id) {
        String name = rename(id.getName(), id.getType());
        String unit = id.getBaseUnit() == null ? null : UNITS.getOrDefault(id.getBaseUnit(), id.getBaseUnit());
        String description = id.getDescription() == null || id.getDescription().isBlank()
                ? id.getName().replace('.', ' ')
                : id.getDescription();
        if (name.equals(id.getName())
                && java.util.Objects.equals(unit, id.getBaseUnit())
                && description.equals(id.getDescription())) {
            return id;
        }
        return new Meter.Id(name, Tags.of(id.getTags()), unit, description, id.getType());
    }

    static String rename(String name, Meter.Type type) {
        String[] parts = name.split("[.\\-_]");
        String out = Arrays.stream(parts).map(p -> UNITS.getOrDefault(p, p)).collect(Collectors.joining("."));
        boolean distribution = type == Meter.Type.TIMER || type == Meter.Type.DISTRIBUTION_SUMMARY;
        if (!distribution && out.endsWith(".count")) {
            out = out.substring(0, out.length() - ".count".length()) + ".number";
        }
        return out.equals(name.replace('-', '.').replace('_', '.')) ? name : out;
    }
}

package io.provisioner.runtime;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import java.util.Arrays;
import java.util.Set;

/**
 * Keeps {@code promtool check metrics} content with the meters that Kafka's clients and the JVM binders
 * name themselves: meters in abbreviated time units ({@code io.time.ns.total}, a base unit {@code ns},
 * {@code start.time.ms}) are dropped, since promtool wants seconds and a filter cannot rescale values (the
 * same figures exist as rates and averages in seconds or as ratios); a {@code count} suffix on a gauge
 * becomes {@code number} ({@code connection.count} becomes {@code connection.number}); a missing
 * description is filled in from the name. Add it to the registry before any meter is registered.
 */
final class PromtoolFriendlyNames implements MeterFilter {

    private static final Set<String> ABBREVIATED = Set.of("ns", "us", "ms");

    @Override
    public MeterFilterReply accept(Meter.Id id) {
        boolean abbreviated = Arrays.stream(id.getName().split("[.\\-_]")).anyMatch(ABBREVIATED::contains)
                || (id.getBaseUnit() != null && ABBREVIATED.contains(id.getBaseUnit()));
        return abbreviated ? MeterFilterReply.DENY : MeterFilterReply.NEUTRAL;
    }

    @Override
    public Meter.Id map(Meter.Id id) {
        String name = rename(id.getName(), id.getType());
        String description = id.getDescription() == null || id.getDescription().isBlank()
                ? id.getName().replace('.', ' ')
                : id.getDescription();
        if (name.equals(id.getName()) && description.equals(id.getDescription())) {
            return id;
        }
        return new Meter.Id(name, Tags.of(id.getTags()), id.getBaseUnit(), description, id.getType());
    }

    static String rename(String name, Meter.Type type) {
        boolean distribution = type == Meter.Type.TIMER || type == Meter.Type.DISTRIBUTION_SUMMARY;
        if (!distribution && name.endsWith(".count")) {
            return name.substring(0, name.length() - ".count".length()) + ".number";
        }
        return name;
    }
}

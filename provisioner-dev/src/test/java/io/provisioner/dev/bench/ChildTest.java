package io.provisioner.dev.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A child's environment, and no child starting once the shutdown hook has taken the list of them. */
class ChildTest {

    @Test
    void aChildGetsNoneOfTheBenchsSettingsNorJvmOptionVariablesButItsOwn() {
        Map<String, String> env = new HashMap<>(Map.of(
                "PATH", "/usr/bin",
                "DATABASE_URL", "jdbc:postgresql://users",
                "OR_RATE_PER_SEC", "5",
                "JAVA_TOOL_OPTIONS", "-Xmx8g",
                "JDK_JAVA_OPTIONS", "-XX:+UseZGC",
                "_JAVA_OPTIONS", "-Xss4m"));

        Child.prepare(env, Map.of("OR_RATE_PER_SEC", "20", "MALLOC_ARENA_MAX", "2"));

        assertThat(env)
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("PATH", "/usr/bin", "OR_RATE_PER_SEC", "20", "MALLOC_ARENA_MAX", "2"));
    }

    @Test
    void noChildStartsOnceClosingHasBegun() throws Exception {
        Child.Live live = new Child.Live();
        AtomicInteger spawned = new AtomicInteger();
        live.start(() -> {
            spawned.incrementAndGet();
            return null;
        });

        assertThat(live.closing()).hasSize(1);
        assertThatThrownBy(() -> live.start(() -> {
                    spawned.incrementAndGet();
                    return null;
                }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("shutting down");
        assertThat(spawned).hasValue(1);
    }
}

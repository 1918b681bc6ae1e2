package io.provisioner.dev.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The bench's component processes run with the image's JVM options and environment, so its figures are the image's. */
class ProcessDeploymentTest {

    private static final Path DOCKERFILE = Path.of("..", "Dockerfile");

    @Test
    void componentProcessesRunWithTheImagesJvmOptionsUnderA512MibLimit() throws Exception {
        String text = Files.readString(DOCKERFILE).replace("\\\n", " ");
        Matcher entry = Pattern.compile("(?m)^ENTRYPOINT \\[(.*)]$").matcher(text);
        String last = null;
        while (entry.find()) {
            last = entry.group(1);
        }
        assertThat(last).as("the runtime image's ENTRYPOINT").isNotNull();
        List<String> imageOptions = new ArrayList<>();
        for (String arg : last.split(",")) {
            String a = arg.strip().replace("\"", "");
            if (a.startsWith("-X")) {
                imageOptions.add(a);
            }
        }
        assertThat(imageOptions).isNotEmpty();

        List<String> bench = Arrays.asList(ProcessDeployment.JVM_OPTIONS.split(" "));
        assertThat(bench.get(0)).isEqualTo("-XX:MaxRAM=512m");
        assertThat(bench.subList(1, bench.size())).containsExactlyElementsOf(imageOptions);
        ProcessDeployment.PROCESS_ENVIRONMENT.forEach((name, value) ->
                assertThat(text).as("the image sets %s", name).containsPattern("(?m)^ENV " + name + "=" + value + "$"));
    }

    @Test
    void aPortIsHandedOutOnceInARunEvenWhenFoundFreeAgain() throws Exception {
        java.util.Iterator<Integer> found =
                List.of(41000, 41000, 41001, 41000, 41002).iterator();
        java.util.Set<Integer> handedOut = new java.util.HashSet<>();

        assertThat(ProcessDeployment.freePort(handedOut, found::next)).isEqualTo(41000);
        assertThat(ProcessDeployment.freePort(handedOut, found::next)).isEqualTo(41001);
        assertThat(ProcessDeployment.freePort(handedOut, found::next)).isEqualTo(41002);
    }
}

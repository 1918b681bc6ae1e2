package io.provisioner.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.all;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.AccessTarget;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaPackage;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.AbstractClassesTransformer;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of the build, checked on the production classes of every module (read from each module's
 * {@code target/classes}, so that the module of every class is known; test code is not checked). A broken
 * rule fails {@code verify} with the offending classes and lines.
 */
final class ArchitectureTest {

    static final String CORE = "provisioner-core";
    static final String CLIENT = "openrouter-client";
    static final String SIMULATOR = "openrouter-simulator";
    static final String DB = "provisioner-db";
    static final String TEST_SUPPORT = "test-support";
    static final String CONNECT = "provisioner-connect";
    static final String CDC = "cdc-bridge";
    static final String STREAM = "provisioner-stream";
    static final String RETRY = "retry-scheduler";
    static final String RUNTIME = "provisioner-runtime";
    static final String CLI = "provisioner-cli";
    static final String DEV = "provisioner-dev";

    /** Every module with production code, in reactor order. */
    static final List<String> MODULES =
            List.of(CORE, CLIENT, SIMULATOR, DB, TEST_SUPPORT, CONNECT, CDC, STREAM, RETRY, RUNTIME, CLI, DEV);

    /** The components the runtime composes: each stands on core alone (cdc-bridge also on the transform). */
    static final List<String> COMPONENTS = List.of(CLIENT, DB, CDC, STREAM, RETRY);

    /** Calls that read the system clock; only a composition root may make them and hand a Clock on. */
    static final Set<String> SYSTEM_CLOCK_READS = Set.of(
            "java.time.Instant.now()",
            "java.time.Clock.systemUTC()",
            "java.time.Clock.systemDefaultZone()",
            "java.time.Clock.system(java.time.ZoneId)",
            "java.lang.System.currentTimeMillis()",
            "java.time.LocalDate.now()",
            "java.time.LocalDate.now(java.time.ZoneId)",
            "java.time.LocalDateTime.now()",
            "java.time.LocalDateTime.now(java.time.ZoneId)",
            "java.time.OffsetDateTime.now()",
            "java.time.OffsetDateTime.now(java.time.ZoneId)",
            "java.time.ZonedDateTime.now()",
            "java.time.ZonedDateTime.now(java.time.ZoneId)");

    private static final Path ROOT = Path.of(System.getProperty("architecture.root", ".."));

    private static JavaClasses classes;
    /** Class name to module. */
    private static final Map<String, String> MODULE_OF = new HashMap<>();

    @BeforeAll
    static void importProductionClasses() throws IOException {
        Map<Path, String> dirs = new LinkedHashMap<>();
        for (String module : MODULES) {
            Path dir = ROOT.resolve(module).resolve("target/classes");
            assertThat(dir)
                    .as("%s has no compiled classes: build the reactor (./mvnw verify), not this module alone", module)
                    .isDirectory();
            dirs.put(dir.toRealPath(), module);
        }
        classes = new ClassFileImporter().importPaths(dirs.keySet());
        for (JavaClass c : classes) {
            Path file = Path.of(c.getSource().orElseThrow().getUri());
            String module = dirs.entrySet().stream()
                    .filter(e -> file.startsWith(e.getKey()))
                    .map(Map.Entry::getValue)
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no module holds " + file));
            MODULE_OF.put(c.getName(), module);
        }
    }

    @Test
    void everyModuleOfTheReactorIsChecked() throws IOException {
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        // the modules of profiles (kubernetes-manifests: tests of deploy/kubernetes only) are not built by verify
        int profiles = pom.indexOf("<profiles>");
        pom = profiles < 0 ? pom : pom.substring(0, profiles);
        List<String> reactor = new ArrayList<>();
        Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(pom);
        while (m.find()) {
            reactor.add(m.group(1));
        }
        reactor.remove("architecture-tests");
        assertThat(MODULES)
                .as("a module added to the reactor needs its place in the layering rules")
                .containsExactlyInAnyOrderElementsOf(reactor);
    }

    @Test
    void coreUsesNoOtherModule() {
        classes()
                .that(inModule(CORE))
                .should(useOnlyModules(Set.of()))
                .because("core is the bottom of the build")
                .check(classes);
    }

    @Test
    void componentsUseOnlyCore() {
        forEachModule(COMPONENTS, component -> classes()
                .that(inModule(component))
                .should(useOnlyModules(component.equals(CDC) ? Set.of(CORE, CONNECT) : Set.of(CORE)))
                .because("the components (" + String.join(", ", COMPONENTS)
                        + ") use neither each other nor the runtime, the CLI, the dev tools or the"
                        + " simulator; the runtime composes them; cdc-bridge publishes through the Kafka"
                        + " Connect transform, so that the embedded engine and Connect write the same requests")
                .check(classes));
    }

    @Test
    void connectTransformUsesOnlyCore() {
        classes()
                .that(inModule(CONNECT))
                .should(useOnlyModules(Set.of(CORE)))
                .because("its plugin folder for Kafka Connect holds it and core, nothing else of ours")
                .check(classes);
    }

    @Test
    void simulatorAndTestSupportUseOnlyCore() {
        forEachModule(List.of(SIMULATOR, TEST_SUPPORT), module -> classes()
                .that(inModule(module))
                .should(useOnlyModules(Set.of(CORE)))
                .because("they stand in for the outside world in tests and in the demo")
                .check(classes));
    }

    @Test
    void runtimeUsesTheComponentsButNotTheCommands() {
        classes()
                .that(inModule(RUNTIME))
                .should(useOnlyModules(Set.of(CORE, CLIENT, DB, CDC, STREAM, RETRY)))
                .because("the running service neither knows its commands (cli, dev) nor the simulator")
                .check(classes);
    }

    @Test
    void cliUsesNeitherTheDevToolsNorTheSimulator() {
        classes()
                .that(inModule(CLI))
                .should(useOnlyModules(Set.of(CORE, CLIENT, DB, CDC, STREAM, RETRY, RUNTIME)))
                .because("the deployed jar carries neither the demo, the benchmark nor the simulator")
                .check(classes);
    }

    @Test
    void devUsesNoTestSupport() {
        classes()
                .that(inModule(DEV))
                .should(useOnlyModules(Set.of(CORE, CLIENT, SIMULATOR, DB, CDC, STREAM, RETRY, RUNTIME, CLI)))
                .because("test-support is for tests")
                .check(classes);
    }

    @Test
    void internalPackagesAreUsedOnlyInTheirModule() {
        classes().should(useNoInternalsOfAnotherModule()).check(classes);
    }

    @Test
    void noPackageIsSplitAcrossModules() {
        all(packagesWithClasses()).should(beInOneModule()).check(classes);
    }

    /**
     * Checked module by module: a cycle through two modules would need a split package or a cycle between
     * the modules, which Maven refuses. And ArchUnit, given several separate cycles at once, may report
     * only some of them.
     */
    @Test
    void packagesHaveNoCycles() {
        forEachModule(MODULES, module -> slices().matching("io.provisioner.(**)")
                .should()
                .beFreeOfCycles()
                .because("no two packages of " + module + " may use each other")
                .check(classes.that(inModule(module))));
    }

    @Test
    void onlyCompositionRootsReadTheSystemClock() {
        noClasses()
                .that(areNotCompositionRoots())
                .should()
                .accessTargetWhere(readsTheSystemClock())
                .because("components take a java.time.Clock, so that tests control time; only the"
                        + " composition roots (the commands in io.provisioner.cli, io.provisioner.dev..,"
                        + " runtime Pipeline and Service, the simulator's OpenRouterSimulator, the Kafka Connect"
                        + " transform that Connect instantiates) read the"
                        + " system clock: " + new TreeSet<>(SYSTEM_CLOCK_READS))
                .check(classes);
    }

    /** Runs the check for every module and reports all the modules that fail it, not only the first. */
    static void forEachModule(List<String> modules, Consumer<String> check) {
        List<String> failures = new ArrayList<>();
        for (String module : modules) {
            try {
                check.accept(module);
            } catch (AssertionError e) {
                failures.add(e.getMessage());
            }
        }
        if (!failures.isEmpty()) {
            throw new AssertionError(String.join("\n\n", failures));
        }
    }

    // ---------------------------------------------------------------- predicates and conditions

    static DescribedPredicate<JavaClass> inModule(String module) {
        return DescribedPredicate.describe("are in module " + module, c -> module.equals(MODULE_OF.get(c.getName())));
    }

    /** Depends on no class of another module than its own and {@code allowed}. */
    static ArchCondition<JavaClass> useOnlyModules(Set<String> allowed) {
        String what = allowed.isEmpty() ? "no other module" : "no other module than " + new TreeSet<>(allowed);
        return new ArchCondition<>("use " + what) {
            @Override
            public void check(JavaClass c, ConditionEvents events) {
                String own = MODULE_OF.get(c.getName());
                for (Dependency d : c.getDirectDependenciesFromSelf()) {
                    String target = MODULE_OF.get(d.getTargetClass().getName());
                    if (target != null && !target.equals(own) && !allowed.contains(target)) {
                        events.add(SimpleConditionEvent.violated(
                                d, "[" + own + " -> " + target + "] " + d.getDescription()));
                    }
                }
            }
        };
    }

    static ArchCondition<JavaClass> useNoInternalsOfAnotherModule() {
        return new ArchCondition<>("use no internal(s) package of another module") {
            @Override
            public void check(JavaClass c, ConditionEvents events) {
                String own = MODULE_OF.get(c.getName());
                for (Dependency d : c.getDirectDependenciesFromSelf()) {
                    JavaClass t = d.getTargetClass();
                    String target = MODULE_OF.get(t.getName());
                    if (target != null && !target.equals(own) && isInternal(t.getPackageName())) {
                        events.add(SimpleConditionEvent.violated(
                                d, "[" + own + " -> " + target + " internals] " + d.getDescription()));
                    }
                }
            }
        };
    }

    static boolean isInternal(String packageName) {
        return List.of(packageName.split("\\.")).stream().anyMatch(p -> p.equals("internal") || p.equals("internals"));
    }

    /** The packages that hold classes themselves (not only subpackages). */
    static AbstractClassesTransformer<JavaPackage> packagesWithClasses() {
        return new AbstractClassesTransformer<>("packages") {
            @Override
            public Iterable<JavaPackage> doTransform(JavaClasses imported) {
                return imported.stream().map(JavaClass::getPackage).distinct().collect(Collectors.toList());
            }
        };
    }

    static ArchCondition<JavaPackage> beInOneModule() {
        return new ArchCondition<>("be in one module") {
            @Override
            public void check(JavaPackage p, ConditionEvents events) {
                Map<String, Set<String>> byModule = new TreeMap<>();
                for (JavaClass c : p.getClasses()) {
                    String module = MODULE_OF.get(c.getName());
                    if (module != null && !c.isNestedClass()) { // null: an array type, no class file of its own
                        byModule.computeIfAbsent(module, k -> new TreeSet<>()).add(c.getSimpleName());
                    }
                }
                if (byModule.size() > 1) {
                    String where = byModule.entrySet().stream()
                            .map(e -> e.getKey() + " "
                                    + e.getValue().stream()
                                            .limit(3)
                                            .collect(Collectors.joining(
                                                    ", ", "(", e.getValue().size() > 3 ? ", ...)" : ")")))
                            .collect(Collectors.joining(" and "));
                    events.add(SimpleConditionEvent.violated(
                            p, "package " + p.getName() + " is split across modules: " + where));
                }
            }
        };
    }

    static DescribedPredicate<JavaClass> areNotCompositionRoots() {
        return DescribedPredicate.describe(
                "are not composition roots",
                c -> !(c.getPackageName().equals("io.provisioner.cli")
                        || c.getPackageName().equals("io.provisioner.dev")
                        || c.getPackageName().startsWith("io.provisioner.dev.")
                        || isOrIsNestedIn(c, "io.provisioner.runtime.Pipeline")
                        || isOrIsNestedIn(c, "io.provisioner.runtime.Service")
                        // Kafka Connect instantiates the transform by its class name
                        || isOrIsNestedIn(c, "io.provisioner.connect.ProvisioningRequestTransform")
                        || isOrIsNestedIn(c, "io.provisioner.simulator.OpenRouterSimulator")));
    }

    static boolean isOrIsNestedIn(JavaClass c, String name) {
        return c.getName().equals(name) || c.getName().startsWith(name + "$");
    }

    static DescribedPredicate<JavaAccess<?>> readsTheSystemClock() {
        return DescribedPredicate.describe("reads the system clock", access -> {
            AccessTarget t = access.getTarget();
            String params = t instanceof AccessTarget.CodeUnitAccessTarget cu
                    ? cu.getRawParameterTypes().stream().map(JavaClass::getName).collect(Collectors.joining(","))
                    : null;
            return params != null
                    && SYSTEM_CLOCK_READS.contains(t.getOwner().getName() + "." + t.getName() + "(" + params + ")");
        });
    }
}

package io.provisioner.cli;

import java.util.concurrent.Callable;

/**
 * A subcommand that lives in another jar and joins the {@code provisioner} command line when that jar
 * is on the class path, found with {@link java.util.ServiceLoader}: the demo ({@code provisioner dev},
 * module {@code provisioner-dev}) is one. An implementation is a picocli {@code @Command} with a public
 * no-argument constructor; it replaces a built-in subcommand of the same name.
 */
public interface CliExtension extends Callable<Integer> {}

package io.provisioner.cli;

import java.io.PrintWriter;
import java.time.Duration;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a long command: a progress bar ({@code me.tongfei:progressbar}, on standard error so that
 * standard output stays parseable) when the command runs on a terminal, otherwise a plain line whenever the figures change, at most one a second (logs and CI stay
 * readable). {@code total} may grow; 0 or less means unknown. Not thread-safe; closing again, or updating after close, does nothing.
 */
public final class ProgressDisplay implements AutoCloseable {

    private static final Duration PLAIN_EVERY = Duration.ofSeconds(1);

    private final String task;
    private final PrintWriter plain;
    private final ProgressBar bar;
    private long total;
    private long done = -1;
    private String message = "";
    private long lastPrinted;
    private String lastLine = "";
    private boolean closed;

    private ProgressDisplay(String task, long total, PrintWriter plain, ProgressBar bar) {
        this.task = task;
        this.total = total;
        this.plain = plain;
        this.bar = bar;
    }

    /** A bar on a terminal, plain lines on {@code plainOut} otherwise. */
    public static ProgressDisplay open(PrintWriter plainOut, String task, long total) {
        return System.console() == null ? plain(plainOut, task, total) : bar(task, total);
    }

    static ProgressDisplay plain(PrintWriter out, String task, long total) {
        return new ProgressDisplay(task, total, out, null);
    }

    private static ProgressDisplay bar(String task, long total) {
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total > 0 ? total : -1)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .continuousUpdate()
                .build();
        return new ProgressDisplay(task, total, null, bar);
    }

    /** Sets what is done so far, the (possibly new) total, and a short message such as "retrying 2". */
    public void update(long doneNow, long totalNow, String extra) {
        if (closed) {
            return;
        }
        total = totalNow;
        done = doneNow;
        message = extra == null ? "" : extra;
        if (bar != null) {
            bar.maxHint(total > 0 ? total : -1);
            bar.stepTo(done);
            bar.setExtraMessage(message);
            return;
        }
        long now = System.nanoTime();
        String line = line();
        if (!line.equals(lastLine) && now - lastPrinted >= PLAIN_EVERY.toNanos()) {
            printPlain(line, now);
        }
    }

    private String line() {
        String of = total > 0 ? done + "/" + total : Long.toString(done);
        return task + ": " + of + (message.isEmpty() ? "" : "  " + message);
    }

    private void printPlain(String line, long now) {
        plain.println(line);
        plain.flush();
        lastLine = line;
        lastPrinted = now;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (bar != null) {
            bar.close();
        } else if (done >= 0 && !line().equals(lastLine)) {
            printPlain(line(), System.nanoTime());
        }
    }
}

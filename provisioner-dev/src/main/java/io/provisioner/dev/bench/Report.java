package io.provisioner.dev.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The figures as a Markdown table and as JSON (the same figures, numbers unrounded, null for none). */
final class Report {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Report() {}

    static String markdown(List<Figure> figures) {
        StringBuilder b = new StringBuilder();
        b.append("| scenario | figure | measured | seed (edge function) | measured / seed | target |\n");
        b.append("|---|---|---:|---:|---:|---|\n");
        for (Figure f : figures) {
            b.append("| ")
                    .append(f.scenario())
                    .append(" | ")
                    .append(f.metric())
                    .append(f.unit().isEmpty() ? "" : " (" + f.unit() + ")")
                    .append(" | ")
                    .append(format(f.value()))
                    .append(" | ")
                    .append(format(f.seed()))
                    .append(" | ")
                    .append(format(f.ratio()))
                    .append(" | ")
                    .append(f.target().isEmpty() ? "—" : f.target())
                    .append(" |\n");
        }
        return b.toString();
    }

    static String format(double v) {
        if (Double.isNaN(v)) {
            return "—";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "∞" : "-∞";
        }
        double a = Math.abs(v);
        String pattern = a >= 100 || v == Math.rint(v) && a < 1e15 ? "%.0f" : a >= 1 ? "%.2f" : "%.3g";
        return String.format(Locale.ROOT, pattern, v);
    }

    static void writeJson(Path file, List<Figure> figures, Map<String, String> about) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode info = root.putObject("about");
        about.forEach(info::put);
        ArrayNode rows = root.putArray("figures");
        for (Figure f : figures) {
            ObjectNode row = rows.addObject();
            row.put("scenario", f.scenario());
            row.put("metric", f.metric());
            row.put("unit", f.unit());
            number(row, "value", f.value());
            number(row, "seed", f.seed());
            number(row, "ratio", f.ratio());
            if (f.target().isEmpty()) {
                row.putNull("target");
            } else {
                row.put("target", f.target());
            }
        }
        JSON.writeValue(file.toFile(), root);
    }

    private static void number(ObjectNode row, String name, double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            row.putNull(name);
        } else {
            row.put(name, v);
        }
    }
}

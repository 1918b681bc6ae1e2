package io.provisioner.dev;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Inserts demo owners: one organization for every four teachers, at least one organization. */
public final class DemoSeeder {

    private final List<UUID> organizations = new ArrayList<>();
    private int seeded;

    /** Inserts {@code count} owners in one transaction and returns how many were inserted. */
    public int seed(Connection c, int count) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (PreparedStatement org = c.prepareStatement("insert into public.organizations (id, name) values (?, ?)");
                PreparedStatement teacher = c.prepareStatement(
                        "insert into public.teachers (id, name, organization_id) values (?, ?, ?)")) {
            for (int i = 0; i < count; i++) {
                seeded++;
                if (organizations.isEmpty() || seeded % 5 == 1) {
                    UUID id = UUID.randomUUID();
                    org.setObject(1, id);
                    org.setString(2, "Organization " + seeded);
                    org.executeUpdate();
                    organizations.add(id);
                } else {
                    teacher.setObject(1, UUID.randomUUID());
                    teacher.setString(2, "Teacher " + seeded);
                    teacher.setObject(3, organizations.get(organizations.size() - 1));
                    teacher.executeUpdate();
                }
            }
            c.commit();
        } finally {
            c.setAutoCommit(auto);
        }
        return count;
    }
}

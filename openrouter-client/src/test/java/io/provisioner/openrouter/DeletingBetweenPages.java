package io.provisioner.openrouter;

import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.CreatedKey;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.KeysApi;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A {@link KeysApi} over a real client that, after each page read, deletes through that client the
 * keys at the given indexes of the page it just returned: deletions racing a listing.
 */
final class DeletingBetweenPages implements KeysApi {
    private final KeysApi api;
    private final int[] indexes;
    private final List<String> deleted = new ArrayList<>();

    DeletingBetweenPages(KeysApi api, int[] indexes) {
        this.api = api;
        this.indexes = indexes.clone();
    }

    List<String> deleted() {
        return List.copyOf(deleted);
    }

    @Override
    public List<ApiKey> list(int offset, boolean includeDisabled) {
        List<ApiKey> page = api.list(offset, includeDisabled);
        for (int i : indexes) {
            if (i < page.size() && api.delete(page.get(i).hash())) {
                deleted.add(page.get(i).hash());
            }
        }
        return page;
    }

    @Override
    public void verifyCredentials() {
        api.verifyCredentials();
    }

    @Override
    public CreatedKey create(String name, KeyLimits limits) {
        return api.create(name, limits);
    }

    @Override
    public Optional<ApiKey> get(String hash) {
        return api.get(hash);
    }

    @Override
    public ApiKey updateLimits(String hash, KeyLimits limits) {
        return api.updateLimits(hash, limits);
    }

    @Override
    public boolean delete(String hash) {
        return api.delete(hash);
    }
}

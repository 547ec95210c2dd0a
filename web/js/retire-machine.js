// The machine page's "Retire machine" action: a confirm dialog with the admin token field, then
// DELETE /api/v1/machines/{id} (docs/api.md). 204: retired (its history stays; it returns if it reports
// again); 401/403: the token is asked for again; 404: the gateway does not know the machine.
import { AdminToken } from "./admin-token.js";
import * as api from "./api.js";
import { setText } from "./dom.js";

export function startRetire(machineId, nameOf) {
  const $ = (id) => document.getElementById(id);
  const dialog = $("retire-dialog");
  const confirm = $("retire-confirm");
  const error = $("retire-error");
  const result = $("retire-result");
  const token = new AdminToken($("token-form"));

  const showError = (text) => {
    error.hidden = !text;
    error.textContent = text || "";
  };

  $("retire").addEventListener("click", () => {
    setText($("retire-name"), nameOf());
    showError(null);
    token.ask(null);
    dialog.showModal();
    (token.value ? $("retire-cancel") : token.input).focus();
  });
  $("retire-cancel").addEventListener("click", () => dialog.close());
  confirm.addEventListener("click", async () => {
    if (!token.value) {
      token.ask("Retiring a machine needs the admin token (FLEETWATCH_ADMIN_TOKEN).");
      return;
    }
    confirm.disabled = true;
    showError(null);
    try {
      await api.retireMachine(machineId, token.value);
      dialog.close();
      result.hidden = false;
      result.replaceChildren(`${nameOf()} is retired. Its history stays; it returns if it reports again. `,
        Object.assign(document.createElement("a"), { href: "./", textContent: "Back to the fleet" }));
    } catch (failure) {
      if (failure.status === 401 || failure.status === 403) token.ask(`The gateway refused the token: ${failure.message}`);
      else if (failure.status === 404) showError(`The gateway does not know this machine: ${failure.message}`);
      else showError(`Could not retire the machine: ${failure.message}`);
    } finally {
      confirm.disabled = false;
    }
  });
}

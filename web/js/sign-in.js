// Sign-in for a gateway with viewer tokens (FLEETWATCH_VIEWER_TOKEN): when a read answers 401, a modal dialog asks
// for the token once, POSTs it to /api/v1/session (the gateway sets an HttpOnly session cookie; the token itself
// is not kept by the page), then reloads so every view and the live feed start signed in.

let shown = false;

function element(tag, attributes = {}, children = []) {
  const node = Object.assign(document.createElement(tag), attributes);
  node.append(...children);
  return node;
}

/** Shows the sign-in dialog (once per page load). */
export function promptSignIn() {
  if (shown) return;
  shown = true;
  const input = element("input", { type: "password", id: "viewer-token", autocomplete: "current-password", required: true });
  const error = element("p", { className: "field-error", id: "viewer-token-error", hidden: true });
  error.setAttribute("role", "alert");
  input.setAttribute("aria-describedby", "viewer-token-error");
  const submit = element("button", { type: "submit", textContent: "Sign in" });
  const form = element("form", { method: "dialog" }, [
    element("h2", { id: "sign-in-title", textContent: "Sign in" }),
    element("p", { textContent: "This dashboard needs a viewer token (FLEETWATCH_VIEWER_TOKEN)." }),
    element("label", { htmlFor: "viewer-token", textContent: "Viewer token" }),
    input,
    error,
    submit,
  ]);
  const dialog = element("dialog", { className: "retire-dialog", id: "sign-in" }, [form]);
  dialog.setAttribute("aria-labelledby", "sign-in-title");
  dialog.addEventListener("cancel", (event) => event.preventDefault()); // nothing to see without signing in
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    error.hidden = true;
    try {
      const response = await fetch(new URL("api/v1/session", document.baseURI), {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ token: input.value.trim() }),
        cache: "no-store",
      });
      if (response.ok) {
        location.reload();
        return;
      }
      let message = `${response.status} ${response.statusText}`;
      try {
        message = (await response.json()).error || message;
      } catch {
        // not JSON
      }
      error.textContent = `The gateway refused the token: ${message}`;
    } catch (failure) {
      error.textContent = `Gateway unreachable (${failure.message})`;
    }
    error.hidden = false;
    submit.disabled = false;
    input.select();
  });
  document.body.append(dialog);
  dialog.showModal();
  input.focus();
}

// The admin token field (#admin-token): what rule changes send as "Authorization: Bearer …", kept in
// sessionStorage so it lasts as long as the tab and never reaches the disk of a shared browser for long.

const KEY = "fleetwatch.adminToken";

function stored() {
  try {
    return sessionStorage.getItem(KEY) || "";
  } catch {
    return ""; // storage disabled: the field still works for this page
  }
}

function store(value) {
  try {
    if (value) sessionStorage.setItem(KEY, value);
    else sessionStorage.removeItem(KEY);
  } catch {
    // storage disabled
  }
}

export class AdminToken {
  /** field: the <form> holding the input, a "Forget" button and a .field-error note. */
  constructor(field) {
    this.field = field;
    this.input = field.querySelector("input");
    this.note = field.querySelector(".field-error");
    this.input.value = stored();
    this.input.addEventListener("input", () => {
      store(this.input.value.trim());
      this.ask(null);
    });
    // Enter in the field keeps the token; there is nothing to submit.
    field.addEventListener("submit", (event) => event.preventDefault());
    field.querySelector("#token-forget").addEventListener("click", () => {
      this.input.value = "";
      store("");
      this.input.focus();
    });
  }

  get value() {
    return this.input.value.trim();
  }

  /** Asks for the token with `message` next to the field (null: all is well again). */
  ask(message) {
    if (message) {
      this.field.dataset.invalid = "true";
      this.input.setAttribute("aria-invalid", "true");
      this.note.textContent = message;
      this.note.hidden = false;
      this.input.focus();
      this.input.select();
    } else {
      delete this.field.dataset.invalid;
      this.input.removeAttribute("aria-invalid");
      this.note.textContent = "";
      this.note.hidden = true;
    }
  }
}

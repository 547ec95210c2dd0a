// Building DOM from data without markup: every text goes through textContent, never innerHTML.

/**
 * h("td", {className: "num", dataset: {col: "cpu"}}, "12 %") → <td class="num" data-col="cpu">12 %</td>.
 * Props are set as properties (className, href, title, hidden…); `dataset` and `attrs` are merged in.
 * Children are nodes or strings (strings become text nodes); null and false are skipped.
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null) continue;
    if (key === "dataset") Object.assign(element.dataset, value);
    else if (key === "attrs") for (const [name, v] of Object.entries(value)) element.setAttribute(name, v);
    else element[key] = value;
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

/** Sets textContent only when it changed (keeps selection and avoids needless layout). */
export function setText(element, text) {
  const value = String(text);
  if (element.textContent !== value) element.textContent = value;
}

/** Label chips: one <span class="chip"> per label, "name=value". */
export function chips(labels) {
  return Object.keys(labels || {})
    .sort()
    .map((name) => h("span", { className: "chip", dataset: { label: name } }, `${name}=${labels[name]}`));
}

/** The link to a machine's page, built with URLSearchParams so any id stays a plain parameter. */
export function machineHref(machineId) {
  return `machine.html?${new URLSearchParams({ id: machineId })}`;
}

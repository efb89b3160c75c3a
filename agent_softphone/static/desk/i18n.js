// The page's words and who is signed in, from the JSON the server put in the page.
const boot = JSON.parse(document.getElementById("desk-boot").textContent);

export const lang = boot.lang;
export const username = boot.username;
export const role = boot.role;

export function t(key) {
  return boot.strings[key] ?? key;
}

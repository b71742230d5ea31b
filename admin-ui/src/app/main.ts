import { pageStyles } from "./styles.ts";
import "./aachat-app.ts";

// A constructed stylesheet, not a <style> element: the page's CSP allows no inline styles.
if (pageStyles.styleSheet) document.adoptedStyleSheets = [...document.adoptedStyleSheets, pageStyles.styleSheet];

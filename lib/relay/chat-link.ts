// "Open chat" (the popup's link, the notification and its button) goes to SnapEngage only. The link
// comes in a webhook, and anyone holding the webhook token could make it a phishing page for every
// agent; so only an https:// link on SnapEngage's own host (or the API host the extension is set
// up with) is kept, anything else is rebuilt from the conversation id, or none is offered.

/** SnapEngage's page for one conversation. */
const viewCaseUrl = (conversationId: string) => `https://www.snapengage.com/viewcase?c=${encodeURIComponent(conversationId)}`;

export function chatLink(url: string | undefined, conversationId?: string, apiBaseUrl?: string): string | undefined {
  const link = url && URL.canParse(url) ? new URL(url) : undefined;
  const host = link?.hostname;
  const onSnapEngage =
    host === 'snapengage.com' ||
    host?.endsWith('.snapengage.com') ||
    (apiBaseUrl && URL.canParse(apiBaseUrl) && link?.host === new URL(apiBaseUrl).host);
  if (link?.protocol === 'https:' && !link.username && !link.password && onSnapEngage) return link.href;
  return conversationId ? viewCaseUrl(conversationId) : undefined;
}

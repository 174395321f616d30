namespace ShawBot.Sandbox;
